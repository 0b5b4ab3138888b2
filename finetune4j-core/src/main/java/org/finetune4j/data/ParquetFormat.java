package org.finetune4j.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.LinkedHashMap;
import java.util.Map;
import org.finetune4j.io.Text;

/**
 * Parquet through DuckDB's embedded engine (JDBC, an in-memory database per file). A row's "line"
 * is its 1-based row number. Text and number columns become strings (numbers as DuckDB prints
 * them); other types (booleans, lists, structs, nulls) are present with a null value, as in the
 * JSON formats.
 */
final class ParquetFormat implements TableFormat {

    @Override
    public void read(Path file, RowSink sink) {
        if (!Files.isRegularFile(file)) {
            throw Problems.of(file, Files.exists(file) ? "not a file" : "cannot read: no such file");
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
             PreparedStatement q = c.prepareStatement("SELECT * FROM read_parquet(?)")) {
            q.setString(1, file.toAbsolutePath().toString());
            try (ResultSet r = q.executeQuery()) {
                ResultSetMetaData meta = r.getMetaData();
                int n = meta.getColumnCount();
                boolean[] text = new boolean[n + 1];
                for (int i = 1; i <= n; i++) {
                    text[i] = isTextOrNumber(meta.getColumnType(i));
                }
                int line = 0;
                while (r.next()) {
                    line++;
                    Map<String, String> values = new LinkedHashMap<>();
                    for (int i = 1; i <= n; i++) {
                        values.put(meta.getColumnLabel(i), text[i] ? r.getString(i) : null);
                    }
                    sink.row(new Row(line, values));
                }
                if (line == 0) {
                    throw Problems.of(file, "empty Parquet file (no rows)");
                }
            }
        } catch (SQLException e) {
            throw Problems.of(file, "not a readable Parquet file (" + firstLine(e) + ")");
        }
    }

    private static boolean isTextOrNumber(int type) {
        return switch (type) {
            case Types.VARCHAR, Types.CHAR, Types.LONGVARCHAR, Types.NVARCHAR, Types.TINYINT, Types.SMALLINT, Types.INTEGER,
                    Types.BIGINT, Types.FLOAT, Types.REAL, Types.DOUBLE, Types.DECIMAL, Types.NUMERIC -> true;
            default -> false;
        };
    }

    private static String firstLine(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return Text.printable(m.lines().filter(l -> !l.isBlank()).findFirst().orElse(m));
    }
}
