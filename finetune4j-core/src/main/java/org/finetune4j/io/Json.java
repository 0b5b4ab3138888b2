package org.finetune4j.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * The project's JSON mapper ({@link #MAPPER}, Jackson's defaults; a reader or writer that needs more derives it
 * from this one), the strict reader for headers and index files (duplicate keys and trailing tokens fail), and how
 * every reader of JSON or YAML words a parser's complaint.
 */
public final class Json {

    /** The JSON mapper every package shares, at Jackson's defaults (never reconfigure it: derive readers and writers). */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    /** The largest header (or index file) read, in bytes; the Python library's limit. */
    static final long MAX_BYTES = 100_000_000;

    static final ObjectMapper STRICT = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength((int) MAX_BYTES)
                            .maxNameLength((int) MAX_BYTES)
                            .build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {}

    /** Parses {@code bytes}; {@code what} opens the error message (e.g. "f: header"). */
    static JsonNode parse(byte[] bytes, String what) {
        try {
            return STRICT.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw Text.error(what + " is not valid JSON: " + Text.printable(e.getOriginalMessage())
                    + at(e.getLocation()));
        } catch (IOException e) {
            throw Text.error(what + " cannot be parsed: " + Text.describe(e));
        }
    }

    /**
     * Jackson's (or SnakeYAML's) complaint as one plain line. Limits such as the nesting depth or a
     * string's length come without a place; see {@link #line}.
     */
    public static String problem(com.fasterxml.jackson.core.JacksonException e) {
        String m = e.getOriginalMessage();
        if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException y && y.getProblem() != null) {
            m = y.getProblem();
        }
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        m = m.lines().findFirst().orElse(m).replaceAll(",? from `[^`]*`", "").replace(" ()", "");
        return Text.printable(m.strip());
    }

    /** The line the parser stopped at, or 0 when it does not say (a limit, not a place, was exceeded). */
    public static int line(com.fasterxml.jackson.core.JacksonException e) {
        if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException y && y.getProblemMark() != null) {
            return y.getProblemMark().getLine() + 1;
        }
        JsonLocation loc = e.getLocation();
        return loc == null || loc.getLineNr() < 1 ? 0 : loc.getLineNr();
    }

    /** {@code file:line} when the line is known, else {@code file}. */
    public static String where(Object file, com.fasterxml.jackson.core.JacksonException e) {
        return line(e) > 0 ? file + ":" + line(e) : String.valueOf(file);
    }

    private static String at(JsonLocation loc) {
        return loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }
}
