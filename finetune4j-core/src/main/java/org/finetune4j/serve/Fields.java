package org.finetune4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The fields of one request body, read with their types checked: a wrong type or range is a 400
 * naming the field (as {@code param}), and a field nobody read is refused as OpenAI refuses it.
 * JSON null counts as absent.
 */
final class Fields {

    private final ObjectNode body;
    private final Set<String> read = new HashSet<>();

    Fields(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiError.invalid(null, "The request body must be a JSON object");
        }
        this.body = (ObjectNode) body;
    }

    /** The field, or null when absent or null; marks it as known. */
    JsonNode get(String name) {
        read.add(name);
        JsonNode n = body.get(name);
        return n == null || n.isNull() ? null : n;
    }

    /** Refuses the fields no one asked for (call after reading all). */
    void noOthers() {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!read.contains(name)) {
                throw ApiError.invalid(name, "Unrecognized request argument supplied: " + name);
            }
        }
    }

    /** Reads {@code other} as {@code name} when only {@code other} is given (a newer or older spelling). */
    void alias(String name, String other) {
        read.add(other);
        JsonNode v = body.get(other);
        if (v != null && !v.isNull() && body.get(name) == null) {
            body.set(name, v);
        }
    }

    /** Fields known but ignored (accepted for compatibility). */
    void ignore(String... names) {
        read.addAll(List.of(names));
    }

    String string(String name, boolean required) {
        JsonNode n = get(name);
        if (n == null) {
            if (required) {
                throw ApiError.invalid(name, "Missing required parameter: '" + name + "'");
            }
            return null;
        }
        if (!n.isTextual()) {
            throw wrongType(name, "a string", n);
        }
        return n.textValue();
    }

    int integer(String name, int fallback, int min, int max) {
        JsonNode n = get(name);
        if (n == null) {
            return fallback;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw n.isIntegralNumber() ? outOfRange(name, min, max, n) : wrongType(name, "an integer", n);
        }
        if (n.intValue() < min || n.intValue() > max) {
            throw outOfRange(name, min, max, n);
        }
        return n.intValue();
    }

    Integer optionalInteger(String name, int min, int max) {
        return get(name) == null ? null : integer(name, 0, min, max);
    }

    double number(String name, double fallback, double min, double max) {
        JsonNode n = get(name);
        if (n == null) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw wrongType(name, "a number", n);
        }
        double v = n.doubleValue();
        if (!(v >= min && v <= max)) {
            throw outOfRange(name, min, max, n);
        }
        return v;
    }

    Long optionalLong(String name) {
        JsonNode n = get(name);
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw wrongType(name, "a 64-bit integer", n);
        }
        return n.longValue();
    }

    boolean bool(String name, boolean fallback) {
        JsonNode n = get(name);
        if (n == null) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw wrongType(name, "a boolean", n);
        }
        return n.booleanValue();
    }

    /** {@code stop}: a string or an array of at most 4 non-empty strings. */
    List<String> stops(String name) {
        JsonNode n = get(name);
        List<String> out = new ArrayList<>();
        if (n == null) {
            return out;
        }
        if (n.isTextual()) {
            out.add(n.textValue());
        } else if (n.isArray() && n.size() <= 4) {
            for (JsonNode e : n) {
                if (!e.isTextual()) {
                    throw wrongType(name, "a string or an array of up to 4 strings", n);
                }
                out.add(e.textValue());
            }
        } else {
            throw wrongType(name, "a string or an array of up to 4 strings", n);
        }
        if (out.stream().anyMatch(String::isEmpty)) {
            throw ApiError.invalid(name, "'" + name + "' must not hold empty strings");
        }
        return out;
    }

    /** A string or an array of 1 to {@code max} strings (classification inputs). */
    static List<String> texts(JsonNode n, String name, int max) {
        List<String> out = new ArrayList<>();
        if (n != null && n.isTextual()) {
            out.add(n.textValue());
        } else if (n != null && n.isArray() && !n.isEmpty() && n.size() <= max) {
            for (JsonNode e : n) {
                if (!e.isTextual()) {
                    throw wrongType(name, "a string or an array of 1-" + max + " strings", n);
                }
                out.add(e.textValue());
            }
        } else if (n == null) {
            throw ApiError.invalid(name, "Missing required parameter: '" + name + "'");
        } else {
            throw wrongType(name, "a string or an array of 1-" + max + " strings", n);
        }
        if (out.stream().anyMatch(String::isBlank)) {
            throw ApiError.invalid(name, "'" + name + "' must not hold empty texts");
        }
        return out;
    }

    static ApiError wrongType(String name, String expected, JsonNode got) {
        return ApiError.invalid(name, "Invalid type for '" + name + "': expected " + expected + ", but got " + kind(got) + ".");
    }

    private static ApiError outOfRange(String name, double min, double max, JsonNode got) {
        return ApiError.invalid(name, "Invalid value for '" + name + "': " + clip(got.toString()) + " is not in ["
                + plain(min) + ", " + plain(max) + "]");
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> n.isIntegralNumber() ? "an integer" : "a decimal";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
