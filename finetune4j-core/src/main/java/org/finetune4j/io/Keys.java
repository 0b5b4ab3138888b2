package org.finetune4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Finetune4jException;

/**
 * A block of keys read with their types checked, whether from a recipe's YAML or a JSON file: a wrong type is an
 * error naming the key, in the words of {@link #error}. YAML 1.1 reads some numbers and booleans as text; numeric
 * and {@code true}/{@code false} text count as such.
 */
public interface Keys {

    /** The value of {@code key}, null when absent or null. */
    JsonNode raw(String key);

    /** An error about {@code key}. */
    Finetune4jException error(String key, String message);

    default String string(String key, String def) {
        JsonNode n = raw(key);
        if (n == null) {
            return def;
        }
        if (!n.isValueNode() || n.isBoolean()) {
            throw error(key, "must be a string, got " + n);
        }
        return n.asText();
    }

    default double number(String key, double def) {
        JsonNode n = raw(key);
        if (n == null) {
            return def;
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isTextual()) {
            try {
                return Double.parseDouble(n.textValue());
            } catch (NumberFormatException e) {
                throw error(key, "must be a number, got '" + n.textValue() + "'");
            }
        }
        throw error(key, "must be a number, got " + n);
    }

    default int integer(String key, int def) {
        JsonNode n = raw(key);
        if (n == null) {
            return def;
        }
        if (n.isIntegralNumber() && n.canConvertToInt()) {
            return n.intValue();
        }
        if (n.isTextual() && n.textValue().matches("-?\\d+")) {
            return Integer.parseInt(n.textValue());
        }
        throw error(key, "must be an integer, got " + n);
    }

    default boolean bool(String key, boolean def) {
        JsonNode n = raw(key);
        if (n == null) {
            return def;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isTextual() && (n.textValue().equals("true") || n.textValue().equals("false"))) {
            return Boolean.parseBoolean(n.textValue());
        }
        throw error(key, "must be true or false, got " + n);
    }

    /** A list of strings (a single string counts as a list of one); empty when absent. */
    default List<String> strings(String key) {
        JsonNode n = raw(key);
        List<String> out = new ArrayList<>();
        if (n == null) {
            return out;
        }
        if (n.isTextual()) {
            out.add(n.textValue());
            return out;
        }
        if (!n.isArray()) {
            throw error(key, "must be a list of strings, got " + n);
        }
        n.forEach(e -> out.add(e.asText()));
        return out;
    }
}
