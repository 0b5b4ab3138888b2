package org.finetune4j.data;

/** Receives a table file's rows in file order, and the rows that could not be parsed. */
public interface RowSink {

    /** A parsed row. */
    void row(Row row);

    /**
     * A JSON object read from a {@code .json} or {@code .jsonl} file at {@code line}; by default its
     * string and number fields become a {@link Row}. Sinks that need nested values (chat messages) override it.
     */
    default void object(int line, com.fasterxml.jackson.databind.JsonNode object) {
        row(JsonRows.row(line, object));
    }

    /** A malformed row at {@code line} (wrong field count, invalid JSON line): the sink throws or skips it. */
    void bad(int line, String reason);
}
