package org.finetune4j.data;

import java.nio.file.Path;
import java.util.Locale;

/**
 * A table file format, chosen by extension: {@code .csv} (RFC 4180), {@code .tsv} (tabs, no
 * quoting), {@code .jsonl}/{@code .ndjson} (one object per line), {@code .json} (an array of
 * objects, or an object with a {@code data} array), {@code .parquet} (through DuckDB). The text formats are
 * read as strict UTF-8 in one pass.
 */
public sealed interface TableFormat permits CsvFormat, TsvFormat, JsonLinesFormat, JsonFormat, ParquetFormat {

    /**
     * Streams the rows of {@code file} into {@code sink}. Problems of the whole file (missing,
     * not UTF-8, empty, only a header, broken JSON document) throw a {@code Finetune4jException};
     * malformed rows go to {@link RowSink#bad}.
     */
    void read(Path file, RowSink sink);

    /** The format for {@code file}'s extension. */
    static TableFormat of(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return new CsvFormat();
        }
        if (name.endsWith(".tsv")) {
            return new TsvFormat();
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return new JsonLinesFormat();
        }
        if (name.endsWith(".json")) {
            return new JsonFormat();
        }
        if (name.endsWith(".parquet")) {
            return new ParquetFormat();
        }
        throw Problems.of(file, "unknown table format (expected .csv, .tsv, .jsonl, .ndjson, .json or .parquet)");
    }
}
