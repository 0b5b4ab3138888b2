package org.finetune4j.data;

/** Receives a table file's rows in file order, and the rows that could not be parsed. */
public interface RowSink {

    /** A parsed row. */
    void row(Row row);

    /** A malformed row at {@code line} (wrong field count, invalid JSON line): the sink throws or skips it. */
    void bad(int line, String reason);
}
