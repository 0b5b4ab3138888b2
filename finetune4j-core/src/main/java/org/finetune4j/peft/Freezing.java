package org.finetune4j.peft;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Parameter;

/**
 * Which parameters train: a recipe's {@code freeze:} block. A parameter is frozen when its HF name
 * matches one of {@code patterns} (globs such as {@code bert.encoder.layer.0.*}, {@code *} crossing
 * dots), when it is an embedding table and {@code embeddings} is set, when it belongs to one of the
 * first {@code firstLayers} transformer layers, or, with {@code allButHead}, when it is not part of
 * the head. Frozen parameters get no gradient at all.
 */
public record Freezing(List<String> patterns, boolean embeddings, int firstLayers, boolean allButHead) {

    public static final Freezing NONE = new Freezing(List.of(), false, 0, false);

    private static final Pattern LAYER = Pattern.compile("\\.(?:layer|layers|h)\\.(\\d+)\\.");

    /** Freezes what this says in {@code model}; returns how many parameters it froze. */
    public int apply(TransformerModel model) {
        List<Pattern> globs = patterns.stream().map(Freezing::glob).toList();
        int frozen = 0;
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            if (freezes(e.getKey(), model.basePrefix(), globs)) {
                e.getValue().setTrainable(false);
                frozen++;
            }
        }
        return frozen;
    }

    /** A glob over dotted names: {@code *} matches any run of characters, dots included. */
    static Pattern glob(String glob) {
        return Pattern.compile(java.util.Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote)
                .collect(java.util.stream.Collectors.joining(".*")));
    }

    private boolean freezes(String name, String basePrefix, List<Pattern> globs) {
        if (globs.stream().anyMatch(g -> g.matcher(name).matches())) {
            return true;
        }
        if (allButHead && name.startsWith(basePrefix)) {
            return true;
        }
        if (embeddings && isEmbedding(name)) {
            return true;
        }
        Matcher m = LAYER.matcher(name);
        return firstLayers > 0 && name.startsWith(basePrefix) && m.find() && Integer.parseInt(m.group(1)) < firstLayers;
    }

    /** Token, position and type embedding tables and their LayerNorm (BERT's embeddings.*, GPT-2's wte/wpe, OPT/Llama embed_*). */
    static boolean isEmbedding(String name) {
        return name.contains(".embeddings.") || name.contains("embed_tokens") || name.contains("embed_positions")
                || name.endsWith("wte.weight") || name.endsWith("wpe.weight");
    }
}
