package org.finetune4j.data;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The header line of a CSV or TSV file: column names, and rows zipped with them. */
final class Headers {

    private Headers() {}

    /** Checks the header at {@code line}: not blank, no name twice (empty names are allowed and unused). */
    static List<String> names(Path file, int line, List<String> fields) {
        if (fields.size() == 1 && fields.get(0).isBlank()) {
            throw Problems.at(file, line, "empty header line, expected column names");
        }
        Set<String> seen = new HashSet<>();
        for (String name : fields) {
            if (!name.isEmpty() && !seen.add(name)) {
                throw Problems.at(file, line, "column " + Problems.quote(name) + " appears twice in the header");
            }
        }
        return List.copyOf(fields);
    }

    /** The row {@code fields} (as many as {@code names}) by column; empty-named columns are left out. */
    static Row row(int line, List<String> names, List<String> fields) {
        Map<String, String> values = new LinkedHashMap<>(names.size() * 2);
        for (int i = 0; i < names.size(); i++) {
            if (!names.get(i).isEmpty()) {
                values.put(names.get(i), fields.get(i));
            }
        }
        return new Row(line, values);
    }

    /** The reason a row with {@code n} fields is bad. */
    static String wrongCount(int n, int expected) {
        return n + (n == 1 ? " field" : " fields") + " but the header has " + expected;
    }
}
