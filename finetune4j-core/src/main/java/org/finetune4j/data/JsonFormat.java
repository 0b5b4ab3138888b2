package org.finetune4j.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A JSON document holding the rows: a top-level array of objects, or an object whose {@code data}
 * field is that array (other fields are ignored). Read with a streaming parser, one object at a
 * time; an element that is not an object is a bad row, broken JSON stops the read.
 */
final class JsonFormat implements TableFormat {

    private static final String SHAPE = "expected an array of objects or an object with a \"data\" array";

    @Override
    public void read(Path file, RowSink sink) {
        try (JsonParser p = JsonRows.MAPPER.createParser(Utf8Reader.open(file))) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw Problems.of(file, "empty file, " + SHAPE);
            }
            boolean wrapped = t == JsonToken.START_OBJECT;
            if (wrapped && !toData(p)) {
                throw Problems.of(file, "no \"data\" field in the top-level object; " + SHAPE);
            }
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw Problems.at(file, line(p), SHAPE);
            }
            if (rows(file, p, sink) == 0) {
                throw Problems.of(file, "no rows (an empty array)");
            }
            end(file, p, wrapped);
        } catch (JacksonException e) {
            int line = e.getLocation() == null ? 1 : e.getLocation().getLineNr();
            throw Problems.at(file, line, "invalid JSON: " + JsonRows.message(e));
        } catch (IOException e) {
            throw Problems.of(file, "cannot read: " + Utf8Reader.describe(e));
        }
    }

    /** Moves the parser inside the top-level object to the value of {@code data}; false when absent. */
    private static boolean toData(JsonParser p) throws IOException {
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            p.nextToken();
            if (name.equals("data")) {
                return true;
            }
            p.skipChildren();
        }
        return false;
    }

    /** Checks that nothing follows the document (the rest of the wrapping object is skipped). */
    private static void end(Path file, JsonParser p, boolean wrapped) throws IOException {
        if (wrapped) {
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                p.nextToken();
                p.skipChildren();
            }
        }
        if (p.nextToken() != null) {
            throw Problems.at(file, line(p), "text after the end of the JSON document");
        }
    }

    /** Streams the array's elements to the sink; returns how many there were. */
    private static int rows(Path file, JsonParser p, RowSink sink) throws IOException {
        int n = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == null) {
                throw Problems.at(file, line(p), "invalid JSON: the file ends inside the array");
            }
            n++;
            int line = line(p);
            if (t == JsonToken.START_OBJECT) {
                sink.object(line, JsonRows.TREES.readTree(p));
            } else {
                sink.bad(line, "not a JSON object but " + JsonLinesFormat.kind(JsonRows.TREES.readTree(p)));
            }
        }
        return n;
    }

    private static int line(JsonParser p) {
        return p.currentTokenLocation().getLineNr();
    }
}
