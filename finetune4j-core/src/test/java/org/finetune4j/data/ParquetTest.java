package org.finetune4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parquet data files (written here by DuckDB, as the Hub's datasets are written by pyarrow) feed the same readers. */
class ParquetTest {

    @TempDir
    Path dir;

    /** Writes {@code select} to {@code name} as Parquet. */
    Path parquet(String name, String select) throws SQLException {
        Path f = dir.resolve(name);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("COPY (" + select + ") TO '" + f + "' (FORMAT parquet)");
        }
        return f;
    }

    @Test
    void rowsColumnsAndTypes() throws SQLException {
        Path f = parquet("train.parquet", "SELECT * FROM (VALUES ('a good movie', 1, 0.5::DOUBLE, true, [1, 2]), "
                + "('caf\u00e9 \u65e5\u672c \uD83D\uDE00', 0, NULL, false, []), ('two\nlines', 1, 2.25, NULL, NULL)) "
                + "t(sentence, label, score, flag, ids)");
        List<Row> rows = Table.read(f, false).rows();
        assertThat(rows).extracting(Row::line).containsExactly(1, 2, 3);
        assertThat(rows).extracting(r -> r.get("sentence")).containsExactly("a good movie", "caf\u00e9 \u65e5\u672c \uD83D\uDE00",
                "two\nlines");
        assertThat(rows).extracting(r -> r.get("label")).containsExactly("1", "0", "1");
        assertThat(rows).extracting(r -> r.get("score")).containsExactly("0.5", null, "2.25");
        assertThat(rows.get(0).has("flag")).isTrue();
        assertThat(rows.get(0).get("flag")).isNull();
        assertThat(rows.get(0).get("ids")).isNull();
    }

    @Test
    void feedsTextClassification() throws SQLException {
        Path f = parquet("sst2.parquet", "SELECT 'text ' || i AS sentence, CASE WHEN i % 2 = 0 THEN 'pos' ELSE 'neg' END AS label"
                + " FROM range(10) t(i)");
        TextClassificationData d = TextClassificationData.readTraining(f, new TextColumns("sentence", null, "label"), false);
        assertThat(d.size()).isEqualTo(10);
        assertThat(d.labelMap().names()).containsExactly("neg", "pos");
    }

    @Test
    void badFilesAreOneLineErrors() throws IOException, SQLException {
        Path text = dir.resolve("fake.parquet");
        Files.writeString(text, "text,label\nnot parquet,1\n");
        assertThatThrownBy(() -> Table.read(text, false)).isInstanceOf(Finetune4jException.class)
                .message().startsWith(text + ": not a readable Parquet file").doesNotContain("\n");
        Path good = parquet("good.parquet", "SELECT 'x' || i AS text, i AS label FROM range(1000) t(i)");
        byte[] b = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.parquet");
        Files.write(cut, Arrays.copyOf(b, b.length / 2));
        assertThatThrownBy(() -> Table.read(cut, false)).message().startsWith(cut + ": not a readable Parquet file");
        assertThatThrownBy(() -> Table.read(dir.resolve("none.parquet"), false)).hasMessageContaining("none.parquet: cannot read");
        Path empty = parquet("empty.parquet", "SELECT 'x' AS text, 1 AS label WHERE false");
        assertThatThrownBy(() -> Table.read(empty, false)).hasMessage(empty + ": empty Parquet file (no rows)");
    }
}
