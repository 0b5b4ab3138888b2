package org.finetune4j.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** All rows of a table file in memory, and how many malformed rows were skipped. */
public record Table(Path file, List<Row> rows, int skipped) {

    public Table {
        rows = List.copyOf(rows);
    }

    /** Reads {@code file} in the format of its extension; a malformed row throws unless {@code skipBadRows}. */
    public static Table read(Path file, boolean skipBadRows) {
        List<Row> rows = new ArrayList<>();
        int[] skipped = {0};
        TableFormat.of(file).read(file, new RowSink() {
            @Override
            public void row(Row row) {
                rows.add(row);
            }

            @Override
            public void bad(int line, String reason) {
                if (!skipBadRows) {
                    throw Problems.at(file, line, reason);
                }
                skipped[0]++;
            }
        });
        return new Table(file, rows, skipped[0]);
    }
}
