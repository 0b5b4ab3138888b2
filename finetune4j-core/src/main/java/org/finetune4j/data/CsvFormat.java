package org.finetune4j.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Comma-separated values (RFC 4180) with a header record; a row's line is the line its record starts on. */
final class CsvFormat implements TableFormat {

    @Override
    public void read(Path file, RowSink sink) {
        try (BufferedReader in = new BufferedReader(Utf8Reader.open(file))) {
            CsvRecords records = new CsvRecords(file, in);
            CsvRecords.Record header = records.next();
            if (header == null) {
                throw Problems.of(file, "empty file, expected a header line");
            }
            if (header.problem() != null) {
                throw Problems.at(file, header.line(), header.problem());
            }
            List<String> names = Headers.names(file, header.line(), header.fields());
            int rows = 0;
            for (CsvRecords.Record r = records.next(); r != null; r = records.next()) {
                rows++;
                if (r.problem() != null) {
                    sink.bad(r.line(), r.problem());
                } else if (r.fields().size() != names.size()) {
                    sink.bad(r.line(), Headers.wrongCount(r.fields().size(), names.size()));
                } else {
                    sink.row(Headers.row(r.line(), names, r.fields()));
                }
            }
            if (rows == 0) {
                throw Problems.of(file, "only a header, no rows");
            }
        } catch (IOException e) {
            throw Problems.of(file, "cannot read: " + Utf8Reader.describe(e));
        }
    }
}
