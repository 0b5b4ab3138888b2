package org.finetune4j.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;

/** JSON Lines: one JSON object a line; blank lines are skipped, a line that is not an object is a bad row. */
final class JsonLinesFormat implements TableFormat {

    @Override
    public void read(Path file, RowSink sink) {
        try (BufferedReader in = new BufferedReader(Utf8Reader.open(file))) {
            int line = 0;
            int rows = 0;
            for (String s = in.readLine(); s != null; s = in.readLine()) {
                line++;
                if (s.isBlank()) {
                    continue;
                }
                rows++;
                parse(line, s, sink);
            }
            if (rows == 0) {
                throw Problems.of(file, "empty file, expected one JSON object a line");
            }
        } catch (IOException e) {
            throw Problems.of(file, "cannot read: " + Utf8Reader.describe(e));
        }
    }

    private static void parse(int line, String text, RowSink sink) {
        JsonNode node;
        try {
            node = JsonRows.MAPPER.readTree(text);
        } catch (JacksonException e) {
            sink.bad(line, "invalid JSON: " + JsonRows.message(e));
            return;
        }
        if (node.isObject()) {
            sink.object(line, node);
        } else {
            sink.bad(line, "not a JSON object but " + kind(node));
        }
    }

    /** The kind of a JSON value, for messages: "an array", "a string", ... */
    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> "a " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
