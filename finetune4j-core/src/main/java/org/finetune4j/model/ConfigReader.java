package org.finetune4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.finetune4j.Finetune4jException;

/** Typed reads of config.json keys with Transformers' defaults; errors name the file and key. */
final class ConfigReader {

    private final ObjectNode json;
    private final String file;

    ConfigReader(ObjectNode json, String file) {
        this.json = json;
        this.file = file;
    }

    ObjectNode json() {
        return json;
    }

    String file() {
        return file;
    }

    private JsonNode node(String key) {
        JsonNode n = json.get(key);
        return n == null || n.isNull() ? null : n;
    }

    int integer(String key, int def) {
        JsonNode n = node(key);
        if (n == null) {
            return def;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw wrong(key, "an integer", n);
        }
        return n.intValue();
    }

    /** An integer that must be given (no Transformers default makes sense). */
    int requiredInt(String key) {
        if (node(key) == null) {
            throw new Finetune4jException(file + ": missing required key '" + key + "'");
        }
        return integer(key, 0);
    }

    /** An integer key that may be absent or null (e.g. pad_token_id). */
    Integer optionalInt(String key) {
        JsonNode n = node(key);
        if (n != null && n.isArray()) { // eos_token_id may be a list: keep the first
            n = n.size() > 0 ? n.get(0) : null;
        }
        return n == null ? null : Integer.valueOf(integerOf(key, n));
    }

    private int integerOf(String key, JsonNode n) {
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw wrong(key, "an integer", n);
        }
        return n.intValue();
    }

    double number(String key, double def) {
        JsonNode n = node(key);
        if (n == null) {
            return def;
        }
        if (!n.isNumber()) {
            throw wrong(key, "a number", n);
        }
        return n.doubleValue();
    }

    Double optionalNumber(String key) {
        return node(key) == null ? null : number(key, 0);
    }

    boolean bool(String key, boolean def) {
        JsonNode n = node(key);
        if (n == null) {
            return def;
        }
        if (!n.isBoolean()) {
            throw wrong(key, "true or false", n);
        }
        return n.booleanValue();
    }

    String string(String key, String def) {
        JsonNode n = node(key);
        if (n == null) {
            return def;
        }
        if (!n.isTextual()) {
            throw wrong(key, "a string", n);
        }
        return n.textValue();
    }

    JsonNode object(String key) {
        JsonNode n = node(key);
        if (n != null && !n.isObject()) {
            throw wrong(key, "an object", n);
        }
        return n;
    }

    /** Fails unless {@code value > 0}. */
    int positive(String key, int value) {
        if (value <= 0) {
            throw new Finetune4jException(file + ": '" + key + "' must be positive, got " + value);
        }
        return value;
    }

    Finetune4jException error(String message) {
        return new Finetune4jException(file + ": " + message);
    }

    private Finetune4jException wrong(String key, String expected, JsonNode got) {
        return new Finetune4jException(file + ": '" + key + "' must be " + expected + ", got " + got);
    }
}
