package org.finetune4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadersTest {

    @TempDir
    Path dir;

    @Test
    void csvHandlesQuotesEscapedQuotesNewlinesAndCommas() {
        Path f = TestFiles.write(dir, "train.csv", """
                text,label
                plain text,pos
                "with, comma",neg
                "she said ""hi""\",pos
                "two
                lines, and more",neg
                "",pos
                last,neg""");
        List<Row> rows = Table.read(f, false).rows();
        assertThat(rows).extracting(r -> r.get("text")).containsExactly(
                "plain text", "with, comma", "she said \"hi\"", "two\nlines, and more", "", "last");
        assertThat(rows).extracting(Row::line).containsExactly(2, 3, 4, 5, 7, 8);
        assertThat(rows.get(3).get("label")).isEqualTo("neg");
    }

    @Test
    void csvWithCrlfBomAndUnicode() {
        Path f = TestFiles.write(dir, "u.csv",
                "\uFEFFtext,label\r\n\"caf\u00e9 \r\n\u65e5\u672c \uD83D\uDE00\",\u00fcber\r\n\r\nx,y\r\n");
        List<Row> rows = Table.read(f, false).rows();
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).values()).containsExactly(
                Map.entry("text", "caf\u00e9 \r\n\u65e5\u672c \uD83D\uDE00"), Map.entry("label", "\u00fcber"));
        assertThat(rows.get(1).line()).isEqualTo(5);
    }

    @Test
    void tsvIsTabSeparatedWithoutQuoting() {
        Path f = TestFiles.write(dir, "train.tsv", "sentence\tlabel\nit 's \"quoted\" , ok \t1\n\nna\u00efve\t0\n");
        List<Row> rows = Table.read(f, false).rows();
        assertThat(rows).extracting(r -> r.get("sentence")).containsExactly("it 's \"quoted\" , ok ", "na\u00efve");
        assertThat(rows).extracting(Row::line).containsExactly(2, 4);
    }

    @Test
    void jsonLinesOneObjectPerLine() {
        Path f = TestFiles.write(dir, "train.jsonl",
                "{\"text\": \"a \\\"b\\\"\\nc\", \"label\": 1, \"score\": 0.5}\n\n{\"text\": \"\u00e9\u00e8\", \"label\": \"x\", \"meta\": {\"k\": 1}}\n");
        List<Row> rows = Table.read(f, false).rows();
        assertThat(rows).extracting(Row::line).containsExactly(1, 3);
        assertThat(rows.get(0).values()).containsEntry("text", "a \"b\"\nc").containsEntry("label", "1")
                .containsEntry("score", "0.5");
        assertThat(rows.get(1).has("meta")).isTrue();
        assertThat(rows.get(1).get("meta")).isNull();
        assertThat(Table.read(TestFiles.write(dir, "t.ndjson", "{\"a\":\"b\"}"), false).rows()).hasSize(1);
    }

    @Test
    void jsonTopLevelArrayOrDataObject() {
        Path array = TestFiles.write(dir, "a.json", """
                [
                  {"text": "one", "label": 0},
                  {"text": "two\\u00e9",
                   "label": 1}
                ]
                """);
        List<Row> rows = Table.read(array, false).rows();
        assertThat(rows).extracting(r -> r.get("text")).containsExactly("one", "two\u00e9");
        assertThat(rows).extracting(Row::line).containsExactly(2, 3);
        Path wrapped = TestFiles.write(dir, "d.json",
                "{\"version\": 2, \"data\": [{\"text\": \"x\", \"label\": \"y\"}], \"extra\": [1, 2]}");
        assertThat(Table.read(wrapped, false).rows()).extracting(r -> r.get("label")).containsExactly("y");
    }

    @Test
    void formatComesFromTheExtension() {
        assertThat(TableFormat.of(Path.of("a.CSV"))).isInstanceOf(CsvFormat.class);
        assertThat(TableFormat.of(Path.of("a.tsv"))).isInstanceOf(TsvFormat.class);
        assertThat(TableFormat.of(Path.of("a.ndjson"))).isInstanceOf(JsonLinesFormat.class);
        assertThat(TableFormat.of(Path.of("a.json"))).isInstanceOf(JsonFormat.class);
        assertThat(TableFormat.of(Path.of("a.parquet"))).isInstanceOf(ParquetFormat.class);
        assertThatThrownBy(() -> TableFormat.of(Path.of("data.arrow")))
                .isInstanceOf(Finetune4jException.class)
                .hasMessage("data.arrow: unknown table format (expected .csv, .tsv, .jsonl, .ndjson, .json or .parquet)");
    }

    @Test
    void readsALargeFileInOnePass() {
        StringBuilder b = new StringBuilder("text,label\n");
        for (int i = 0; i < 50_000; i++) {
            b.append("\"row ").append(i).append(", \u00e9\"").append(',').append(i % 3).append('\n');
        }
        List<Row> rows = Table.read(TestFiles.write(dir, "big.csv", b.toString()), false).rows();
        assertThat(rows).hasSize(50_000);
        assertThat(rows.get(49_999).line()).isEqualTo(50_001);
        assertThat(rows.get(49_999).get("text")).isEqualTo("row 49999, \u00e9");
    }
}
