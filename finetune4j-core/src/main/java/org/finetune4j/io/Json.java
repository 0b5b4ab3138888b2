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

/** The strict JSON reader for headers and index files: duplicate keys and trailing tokens fail. */
final class Json {

    /** The largest header (or index file) read, in bytes; the Python library's limit. */
    static final long MAX_BYTES = 100_000_000;

    static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
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
            return MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw Text.error(what + " is not valid JSON: " + Text.printable(e.getOriginalMessage())
                    + at(e.getLocation()));
        } catch (IOException e) {
            throw Text.error(what + " cannot be parsed: " + Text.describe(e));
        }
    }

    private static String at(JsonLocation loc) {
        return loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }
}
