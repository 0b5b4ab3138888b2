package org.finetune4j.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.finetune4j.Finetune4jException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadersBadInputTest {

    @TempDir
    Path dir;

    private static String message(Path f) {
        try {
            Table.read(f, false);
        } catch (Finetune4jException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error for " + f);
    }

    /** {@code before}, then the Latin-1 byte 0xE9, then {@code after}. */
    private static byte[] latin1(String before, String after) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        b.write(0xE9);
        b.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    @Test
    void nonUtf8BytesNameTheLine() {
        Path csv = TestFiles.write(dir, "t.csv", latin1("text,label\nok,1\n\"two\nlines caf", "\",0\n"));
        assertThat(message(csv)).isEqualTo(csv + ":4: not valid UTF-8 (byte 0xE9); save the file as UTF-8");
        Path jsonl = TestFiles.write(dir, "t.jsonl", latin1("{\"a\":\"b\"}\n{\"a\":\"caf", "\"}\n"));
        assertThat(message(jsonl)).isEqualTo(jsonl + ":2: not valid UTF-8 (byte 0xE9); save the file as UTF-8");
        Path json = TestFiles.write(dir, "t.json", latin1("[\n{\"a\":\"b\"},\n\n{\"a\":\"caf", "\"}]"));
        assertThat(message(json)).isEqualTo(json + ":4: not valid UTF-8 (byte 0xE9); save the file as UTF-8");
    }

    @Test
    void nonUtf8FarIntoAFileNamesTheLine() {
        String rows = "text\tlabel\n" + "a long enough row of text\t1\n".repeat(10_000);
        Path tsv = TestFiles.write(dir, "big.tsv", latin1(rows + "caf", "\t0\n"));
        assertThat(message(tsv)).isEqualTo(tsv + ":10002: not valid UTF-8 (byte 0xE9); save the file as UTF-8");
    }

    @Test
    void wrongFieldCount() {
        Path tsv = TestFiles.write(dir, "t.tsv", "sentence\tlabel\nok\t1\nno label here\nx\t1\t2\n");
        assertThat(message(tsv)).isEqualTo(tsv + ":3: 1 field but the header has 2");
        Path csv = TestFiles.write(dir, "t.csv", "text,label\n\"a,b\",1\n\"multi\nline\",1,extra\n");
        assertThat(message(csv)).isEqualTo(csv + ":3: 3 fields but the header has 2");
    }

    @Test
    void csvQuotingErrors() {
        Path open = TestFiles.write(dir, "open.csv", "text,label\nok,1\n\"never closed,1\nmore,0\n");
        assertThat(message(open)).isEqualTo(open + ":3: quoted field never closes (a \" without its closing \")");
        Path after = TestFiles.write(dir, "after.csv", "text,label\n\"quoted\"tail,1\n");
        assertThat(message(after)).isEqualTo(after
                + ":2: text after the closing quote of field 1 (quote the whole field and double the quotes inside it)");
    }

    @Test
    void invalidJsonLine() {
        Path f = TestFiles.write(dir, "t.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\", label: 0}\n");
        assertThat(message(f)).startsWith(f + ":2: invalid JSON: Unexpected character ('l'");
        Path notObject = TestFiles.write(dir, "n.jsonl", "{\"text\": \"a\"}\n[1, 2]\n");
        assertThat(message(notObject)).isEqualTo(notObject + ":2: not a JSON object but an array");
        Path trailing = TestFiles.write(dir, "tr.jsonl", "{\"text\": \"a\"} {\"text\": \"b\"}\n");
        assertThat(message(trailing)).startsWith(trailing + ":1: invalid JSON: Trailing token");
    }

    @Test
    void brokenJsonDocument() {
        Path f = TestFiles.write(dir, "t.json", "[\n {\"text\": \"a\"},\n {\"text\": \"b\",}\n]");
        assertThat(message(f)).startsWith(f + ":3: invalid JSON: Unexpected character ('}'");
        Path truncated = TestFiles.write(dir, "tr.json", "[\n {\"text\": \"a\"},\n");
        assertThat(message(truncated)).startsWith(truncated + ":3: invalid JSON: Unexpected end-of-input");
        Path shape = TestFiles.write(dir, "s.json", "\"just a string\"");
        assertThat(message(shape)).isEqualTo(shape + ":1: expected an array of objects or an object with a \"data\" array");
        Path noData = TestFiles.write(dir, "nd.json", "{\"rows\": []}");
        assertThat(message(noData)).isEqualTo(noData
                + ": no \"data\" field in the top-level object; expected an array of objects or an object with a \"data\" array");
        Path element = TestFiles.write(dir, "e.json", "[{\"text\": \"a\"},\n 3]");
        assertThat(message(element)).isEqualTo(element + ":2: not a JSON object but a number");
        Path after = TestFiles.write(dir, "after.json", "[{\"text\": \"a\"}]\n[]");
        assertThat(message(after)).isEqualTo(after + ":2: text after the end of the JSON document");
    }

    @Test
    void emptyFiles() {
        Path csv = TestFiles.write(dir, "e.csv", "");
        assertThat(message(csv)).isEqualTo(csv + ": empty file, expected a header line");
        Path tsv = TestFiles.write(dir, "e.tsv", "");
        assertThat(message(tsv)).isEqualTo(tsv + ": empty file, expected a header line");
        Path jsonl = TestFiles.write(dir, "e.jsonl", "\n  \n");
        assertThat(message(jsonl)).isEqualTo(jsonl + ": empty file, expected one JSON object a line");
        Path json = TestFiles.write(dir, "e.json", " ");
        assertThat(message(json)).isEqualTo(json
                + ": empty file, expected an array of objects or an object with a \"data\" array");
        Path emptyArray = TestFiles.write(dir, "a.json", "{\"data\": []}");
        assertThat(message(emptyArray)).isEqualTo(emptyArray + ": no rows (an empty array)");
    }

    @Test
    void headerOnly() {
        Path csv = TestFiles.write(dir, "h.csv", "text,label\n");
        assertThat(message(csv)).isEqualTo(csv + ": only a header, no rows");
        Path tsv = TestFiles.write(dir, "h.tsv", "sentence\tlabel\n\n");
        assertThat(message(tsv)).isEqualTo(tsv + ": only a header, no rows");
    }

    @Test
    void badHeaders() {
        Path twice = TestFiles.write(dir, "d.csv", "text,label,text\na,b,c\n");
        assertThat(message(twice)).isEqualTo(twice + ":1: column 'text' appears twice in the header");
        Path blank = TestFiles.write(dir, "b.tsv", "\na\t1\n");
        assertThat(message(blank)).isEqualTo(blank + ":1: empty header line, expected column names");
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("nope.csv");
        assertThat(message(f)).isEqualTo(f + ": no such file");
    }

    @Test
    void skipBadRowsCountsThem() {
        Path tsv = TestFiles.write(dir, "t.tsv", "sentence\tlabel\nok\t1\nbad\nx\t1\t2\nfine\t0\n");
        Table t = Table.read(tsv, true);
        assertThat(t.skipped()).isEqualTo(2);
        assertThat(t.rows()).extracting(Row::line).containsExactly(2, 5);
        Path jsonl = TestFiles.write(dir, "t.jsonl", "{\"a\": 1}\nnot json\n[]\n{\"a\": 2}\n");
        Table j = Table.read(jsonl, true);
        assertThat(j.skipped()).isEqualTo(2);
        assertThat(j.rows()).extracting(r -> r.get("a")).containsExactly("1", "2");
    }
}
