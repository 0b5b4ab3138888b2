package org.finetune4j.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.Keys;

/**
 * One block of a YAML recipe, read with types checked ({@link Keys}): every key read is recorded, so
 * {@link #finish} rejects keys nobody asked for and names the allowed ones.
 */
public final class Node implements Keys {

    private final ObjectNode json;
    private final String file;
    private final String path;
    private final Map<String, String> overrides;
    private final Path base;
    private final List<Runnable> inputChecks;
    private final Set<String> allowed = new LinkedHashSet<>();

    public Node(ObjectNode json, String file, String path) {
        this(json, file, path, Map.of(), Path.of(""), new ArrayList<>());
    }

    /**
     * A block whose keys {@code overrides} set from the command line (dotted key to the override as typed);
     * relative paths in the file resolve against {@code base}, the recipe's folder; {@code inputChecks}
     * collects the existence checks of input paths, which {@link #checkInputs} runs after every key is read.
     */
    Node(ObjectNode json, String file, String path, Map<String, String> overrides, Path base, List<Runnable> inputChecks) {
        this.json = json;
        this.file = file;
        this.path = path;
        this.overrides = overrides;
        this.base = base;
        this.inputChecks = inputChecks;
    }

    /** Fails on the first input path (see {@link #input}) that does not exist; call after {@link #finish}. */
    void checkInputs() {
        inputChecks.forEach(Runnable::run);
    }

    private JsonNode get(String key) {
        allowed.add(key);
        JsonNode n = json.get(key);
        return n == null || n.isNull() ? null : n;
    }

    private String where(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** An error about {@code key}, blamed on the command-line override that set it, else on the recipe file. */
    @Override
    public Finetune4jException error(String key, String message) {
        return new Finetune4jException(place(key) + " " + message);
    }

    /** Where an error about {@code key} is blamed: the override or file, then the dotted key ({@code r.yaml: report.attention.layer}). */
    public String place(String key) {
        return source(key) + ": " + where(key);
    }

    /** Where a key's value came from: the override that set it (or a block above it), else the file. */
    private String source(String key) {
        for (String k = where(key); !k.isEmpty(); k = k.contains(".") ? k.substring(0, k.lastIndexOf('.')) : "") {
            if (overrides.containsKey(k)) {
                return "override '" + org.finetune4j.io.Text.printable(overrides.get(k)) + "'";
            }
        }
        return file;
    }

    public boolean has(String key) {
        return get(key) != null;
    }

    public String required(String key) {
        String s = string(key, null);
        if (s == null || s.isBlank()) {
            String typo = nearest(key, json.properties().stream().map(Map.Entry::getKey).filter(k -> !k.equals(key)).toList());
            throw error(key, "is required" + (typo == null ? "" : " ('" + where(typo) + "' looks like a misspelling of it)"));
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

    public Integer optionalInt(String key) {
        return has(key) ? integer(key, 0) : null;
    }

    public Double optionalNumber(String key) {
        return has(key) ? number(key, 0) : null;
    }

    /** A nested block; an empty one when absent. */
    public Node child(String key) {
        JsonNode n = get(key);
        if (n == null) {
            return new Node(json.objectNode(), file, where(key), overrides, base, inputChecks);
        }
        if (!n.isObject()) {
            throw error(key, "must be a block of keys, got " + n);
        }
        return new Node((ObjectNode) n, file, where(key), overrides, base, inputChecks);
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
            out.add(new Node((ObjectNode) n.get(i), file, where(key) + "[" + i + "]", overrides, base, inputChecks));
        }
        return out;
    }

    /**
     * A path written in the recipe, relative to the recipe's folder (to the working directory when a
     * command-line override set it); null when absent. It need not exist (an output folder).
     */
    public Path output(String key) {
        String s = string(key, null);
        return s == null ? null : resolve(key, s);
    }

    /**
     * A file or folder the run reads, resolved as {@link #output}, which must exist; a Hub dataset file
     * ({@code hf://datasets/...}) is kept as written; null when absent.
     */
    public Path input(String key) {
        String s = string(key, null);
        return s == null ? null : existing(key, s);
    }

    /** {@link #input} of a key that must be given. */
    public Path requiredInput(String key) {
        required(key);
        return input(key);
    }

    /** A list of {@link #input}s (a single string counts as a list of one). */
    public List<Path> inputs(String key) {
        return strings(key).stream().map(s -> existing(key, s)).toList();
    }

    /**
     * A model folder: as {@link #input}, except that a name which is no folder there and looks like a Hub id
     * ({@code org/name[@revision]}) is kept as written, for the Hub.
     */
    public Path model(String key) {
        String s = required(key);
        Path p = resolve(key, s);
        return Files.exists(p) || !org.finetune4j.hub.RepoId.looksLikeId(s.split("@", 2)[0]) || s.startsWith(".")
                ? existing(key, s) : Path.of(s);
    }

    private Path existing(String key, String s) {
        if (org.finetune4j.hub.Locator.isHubData(Path.of(s))) {
            return Path.of(s);
        }
        Path p = resolve(key, s);
        inputChecks.add(() -> {
            if (!Files.exists(p)) {
                boolean fromFile = source(key).equals(file) && !Path.of(s).isAbsolute();
                throw error(key, "names " + p + ", which does not exist" + (fromFile
                        ? " (a recipe's paths are relative to the folder the recipe is in)" : ""));
            }
        });
        return p;
    }

    private Path resolve(String key, String s) {
        return (source(key).equals(file) ? base : Path.of("")).resolve(s).normalize();
    }

    /** The raw JSON of a key (for values of several shapes, such as resume_from_checkpoint); null when absent. */
    @Override
    public JsonNode raw(String key) {
        return get(key);
    }

    /** Fails on any key that was never read, suggesting the allowed key nearest to it. */
    public void finish() {
        json.fieldNames().forEachRemaining(k -> {
            if (!allowed.contains(k)) {
                String near = nearest(k, allowed);
                String block = path.isEmpty() ? "the recipe" : path;
                throw new Finetune4jException(source(k) + ": unknown key '" + where(k) + "' ("
                        + (near != null ? "did you mean " + near + "?"
                        : allowed.size() <= 12 ? "allowed in " + block + ": " + String.join(", ", allowed)
                        : "docs/RECIPES.md lists the keys of " + block) + ")");
            }
        });
    }

    /** Fails on a key outside {@code keys} before any is read (so a misspelled block is named first). */
    void only(List<String> keys) {
        keys.forEach(allowed::add);
        finish();
    }

    /** The candidate nearest to {@code key} in edit distance, when near enough to be a misspelling; else null. */
    public static String nearest(String key, java.util.Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(key.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, Math.min(key.length(), best.length()) / 4) ? best : null;
    }

    /** Levenshtein distance (insertions, deletions and substitutions of one character). */
    private static int distance(String a, String b) {
        if (Math.abs(a.length() - b.length()) > 8 || a.length() > 200 || b.length() > 200) {
            return Integer.MAX_VALUE;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
