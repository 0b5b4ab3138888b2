package org.finetune4j.data;

import java.util.Map;

/**
 * One row of a table file: its 1-based line (for CSV the line where the record starts) and its
 * values by column. A JSON value that is neither a string nor a number (null, boolean, array,
 * object) is present with a {@code null} value, so only a column that is used makes it an error.
 */
public record Row(int line, Map<String, String> values) {

    /** True when the row has the column, whatever its value. */
    public boolean has(String column) {
        return values.containsKey(column);
    }

    /** The value of {@code column}; null when absent or not a string or number. */
    public String get(String column) {
        return values.get(column);
    }
}
