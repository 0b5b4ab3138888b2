package org.finetune4j.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the JSON formats share: a strict mapper and rows made of an object's fields. */
final class JsonRows {

    /** Strict JSON: no comments, no NaN, no trailing commas, nothing after the value. */
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** For reading one value out of a stream: the stream goes on after it. */
    static final ObjectMapper TREES = org.finetune4j.io.Json.MAPPER;

    private JsonRows() {}

    /** The object's fields at {@code line}: strings as they are, numbers as JSON writes them, anything else null. */
    static Row row(int line, JsonNode object) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            values.put(e.getKey(), v.isTextual() ? v.textValue() : v.isNumber() ? v.asText() : null);
        }
        return new Row(line, values);
    }

    /** Jackson's message on one line, without its location (the caller names the line). */
    static String message(JacksonException e) {
        String m = e.getOriginalMessage();
        return org.finetune4j.io.Text.printable(m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m));
    }
}
