package org.finetune4j.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.finetune4j.Finetune4jException;

/** Command-line overrides {@code training.learning_rate=1e-4}: a dotted path and a YAML scalar. */
final class Overrides {

    private Overrides() {}

    /** Sets the override's key in {@code tree}; returns the dotted key. */
    static String apply(ObjectNode tree, String override, String file) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new Finetune4jException("override '" + override + "' must look like dotted.key=value");
        }
        String[] path = override.substring(0, eq).split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = node.get(path[i]);
            if (child == null || child.isNull()) {
                child = node.putObject(path[i]);
            } else if (!child.isObject()) {
                throw new Finetune4jException("override '" + override + "': '" + path[i] + "' is not a block of keys in " + file);
            }
            node = (ObjectNode) child;
        }
        node.set(path[path.length - 1], value(override.substring(eq + 1)));
        return override.substring(0, eq);
    }

    private static JsonNode value(String text) {
        try {
            JsonNode v = Recipe.YAML.readTree(text.isEmpty() ? "''" : text);
            return v == null ? Recipe.YAML.getNodeFactory().nullNode() : v;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Recipe.YAML.getNodeFactory().textNode(text);
        }
    }
}
