package org.finetune4j.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a resumed run changes: the recipe a run started with is saved in its output_dir with its overrides
 * noted ({@link #noted}); resuming compares it with the recipe given now, key by key.
 */
public final class RecipeChanges {

    /** How the saved recipe notes one command-line override. */
    static final String NOTE = "# override of this run: ";

    /** Keys that say how to start, not what to train. */
    private static final List<String> IGNORED = List.of("training.resume_from_checkpoint", "training.overwrite_output_dir");

    private RecipeChanges() {}

    /** The recipe's text as a run saves it: the file, then one comment line per override. */
    public static String noted(String text, List<String> overrides) {
        StringBuilder b = new StringBuilder(text);
        if (!overrides.isEmpty() && !text.endsWith("\n")) {
            b.append('\n');
        }
        overrides.forEach(o -> b.append(NOTE).append(o).append('\n'));
        return b.toString();
    }

    /**
     * One warning per key whose value differs between {@code saved} (a run's recipe, as {@link #noted}) and
     * {@code recipe} with {@code overrides}; none when nothing was saved or the saved text no longer parses.
     */
    public static List<String> since(Path saved, Path recipe, List<String> overrides) throws IOException {
        if (!Files.isRegularFile(saved)) {
            return List.of();
        }
        String text = Files.readString(saved);
        List<String> before = text.lines().filter(l -> l.startsWith(NOTE)).map(l -> l.substring(NOTE.length())).toList();
        Map<String, JsonNode> was;
        try {
            was = flat(Recipe.tree(saved.toString(), text, before, new java.util.HashMap<>()));
        } catch (RuntimeException e) {
            return List.of();
        }
        Map<String, JsonNode> now = flat(Recipe.tree(recipe.toString(), Recipe.text(recipe), overrides, new java.util.HashMap<>()));
        List<String> out = new ArrayList<>();
        for (String key : new TreeSet<>(union(was, now))) {
            JsonNode a = was.get(key);
            JsonNode b = now.get(key);
            if (!IGNORED.contains(key) && !(a == null ? b == null : a.equals(b))) {
                out.add("warning: resuming with " + key + " " + shown(b) + " (the run started with " + shown(a) + ")");
            }
        }
        return out;
    }

    private static java.util.Set<String> union(Map<String, JsonNode> a, Map<String, JsonNode> b) {
        java.util.Set<String> keys = new java.util.HashSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys;
    }

    private static String shown(JsonNode v) {
        return v == null ? "unset" : org.finetune4j.io.Text.printable(v.isTextual() ? v.textValue() : v.toString());
    }

    /** Leaf values by dotted key (lists are leaves). */
    private static Map<String, JsonNode> flat(ObjectNode tree) {
        Map<String, JsonNode> out = new TreeMap<>();
        flatten("", tree, out);
        return out;
    }

    private static void flatten(String prefix, ObjectNode o, Map<String, JsonNode> out) {
        o.properties().forEach(e -> {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue() instanceof ObjectNode child) {
                flatten(key, child, out);
            } else {
                out.put(key, e.getValue());
            }
        });
    }
}
