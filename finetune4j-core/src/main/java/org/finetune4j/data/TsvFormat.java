package org.finetune4j.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Tab-separated values as GLUE writes them: a header line, one row a line, no quoting; blank lines are skipped. */
final class TsvFormat implements TableFormat {

    @Override
    public void read(Path file, RowSink sink) {
        try (BufferedReader in = new BufferedReader(Utf8Reader.open(file))) {
            String header = in.readLine();
            if (header == null) {
                throw Problems.of(file, "empty file, expected a header line");
            }
            List<String> names = Headers.names(file, 1, split(header));
            int line = 1;
            int rows = 0;
            for (String s = in.readLine(); s != null; s = in.readLine()) {
                line++;
                if (s.isEmpty()) {
                    continue;
                }
                rows++;
                List<String> fields = split(s);
                if (fields.size() != names.size()) {
                    sink.bad(line, Headers.wrongCount(fields.size(), names.size()));
                } else {
                    sink.row(Headers.row(line, names, fields));
                }
            }
            if (rows == 0) {
                throw Problems.of(file, "only a header, no rows");
            }
        } catch (IOException e) {
            throw Problems.of(file, "cannot read: " + Utf8Reader.describe(e));
        }
    }

    private static List<String> split(String line) {
        return Arrays.asList(line.split("\t", -1));
    }
}
