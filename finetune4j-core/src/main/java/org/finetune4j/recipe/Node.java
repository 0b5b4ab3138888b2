package org.finetune4j.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.finetune4j.Finetune4jException;

/**
 * One block of a YAML recipe, read with types checked: every key read is recorded, so
 * {@link #finish} rejects keys nobody asked for and names the allowed ones.
 */
public final class Node {

    private final ObjectNode json;
    private final String file;
    private final String path;
    private final Set<String> allowed = new LinkedHashSet<>();

    public Node(ObjectNode json, String file, String path) {
        this.json = json;
        this.file = file;
        this.path = path;
    }

    private JsonNode get(String key) {
        allowed.add(key);
        JsonNode n = json.get(key);
        return n == null || n.isNull() ? null : n;
    }

    private String where(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public Finetune4jException error(String key, String message) {
        return new Finetune4jException(file + ": " + where(key) + " " + message);
    }

    public boolean has(String key) {
        return get(key) != null;
    }

    public String string(String key, String def) {
        JsonNode n = get(key);
        if (n == null) {
            return def;
        }
        if (!n.isValueNode() || n.isBoolean()) {
            throw error(key, "must be a string, got " + n);
        }
        return n.asText();
    }

    public String required(String key) {
        String s = string(key, null);
        if (s == null || s.isBlank()) {
            throw error(key, "is required");
        }
        return s;
    }

    /** One of {@code choices}; YAML's unquoted {@code no} (read as false) counts as "no". */
    public String choice(String key, String def, List<String> choices) {
        JsonNode n = json.get(key);
        if (n != null && n.isBoolean() && !n.booleanValue() && choices.contains("no")) {
            allowed.add(key);
            return "no";
        }
        String s = string(key, def);
        if (s != null && !choices.contains(s)) {
            throw error(key, "must be one of " + choices + ", got '" + s + "'");
        }
        return s;
    }

    public double number(String key, double def) {
        JsonNode n = get(key);
        if (n == null) {
            return def;
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isTextual()) { // YAML 1.1 reads 1e-3 as a string; accept numeric text
            try {
                return Double.parseDouble(n.textValue());
            } catch (NumberFormatException e) {
                throw error(key, "must be a number, got '" + n.textValue() + "'");
            }
        }
        throw error(key, "must be a number, got " + n);
    }

    public int integer(String key, int def) {
        JsonNode n = get(key);
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

    public Integer optionalInt(String key) {
        return has(key) ? integer(key, 0) : null;
    }

    public Double optionalNumber(String key) {
        return has(key) ? number(key, 0) : null;
    }

    public boolean bool(String key, boolean def) {
        JsonNode n = get(key);
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

    /** A nested block; an empty one when absent. */
    public Node child(String key) {
        JsonNode n = get(key);
        if (n == null) {
            return new Node(json.objectNode(), file, where(key));
        }
        if (!n.isObject()) {
            throw error(key, "must be a block of keys, got " + n);
        }
        return new Node((ObjectNode) n, file, where(key));
    }

    /** A list of strings (a single string counts as a list of one). */
    public List<String> strings(String key) {
        JsonNode n = get(key);
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

    /** A list of blocks of keys, each a Node at {@code key[i]}; an empty list when absent. */
    public List<Node> blocks(String key) {
        JsonNode n = get(key);
        List<Node> out = new ArrayList<>();
        if (n == null) {
            return out;
        }
        if (!n.isArray()) {
            throw error(key, "must be a list of blocks, got " + n);
        }
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isObject()) {
                throw error(key + "[" + i + "]", "must be a block of keys, got " + n.get(i));
            }
            out.add(new Node((ObjectNode) n.get(i), file, where(key) + "[" + i + "]"));
        }
        return out;
    }

    /** The raw JSON of a key (for values of several shapes, such as resume_from_checkpoint). */
    public JsonNode raw(String key) {
        return get(key);
    }

    /** Fails on any key that was never read. */
    public void finish() {
        json.fieldNames().forEachRemaining(k -> {
            if (!allowed.contains(k)) {
                throw new Finetune4jException(file + ": unknown key '" + where(k) + "' (allowed in "
                        + (path.isEmpty() ? "the recipe" : path) + ": " + String.join(", ", allowed) + ")");
            }
        });
    }
}
