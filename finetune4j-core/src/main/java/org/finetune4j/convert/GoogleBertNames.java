package org.finetune4j.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Google's BERT variable names (its TensorFlow release, e.g. {@code bert/encoder/layer_0/attention/self/query/kernel})
 * to Transformers' names ({@code bert.encoder.layer.0.attention.self.query.weight}), by the rules of
 * Transformers' own TensorFlow loader: {@code layer_N} is item N of {@code layer}; {@code kernel},
 * {@code gamma} and {@code output_weights} are {@code weight}; {@code beta} and {@code output_bias} are
 * {@code bias}; an {@code *_embeddings} variable is that module's {@code weight}; kernels are stored
 * [in, out] and transposed. An outer scope before {@code bert/} or {@code cls/} (TF-Hub modules save
 * {@code module/bert/...}) is dropped. Optimizer slots and the step counter are skipped.
 */
final class GoogleBertNames {

    /** What a checkpoint variable becomes. */
    sealed interface Mapped permits Weight, Skipped {}

    /** A weight: its Transformers name and whether the TensorFlow array is transposed first. */
    record Weight(String name, boolean transpose) implements Mapped {}

    /** A variable that is not a weight; {@code kind} counts it in the summary. */
    record Skipped(String kind) implements Mapped {}

    private static final Set<String> OPTIMIZER = Set.of("adam_m", "adam_v", "AdamWeightDecayOptimizer",
            "AdamWeightDecayOptimizer_1", "Adam", "Adam_1", "Momentum");
    private static final Pattern INDEXED = Pattern.compile("([A-Za-z]+)_(\\d+)");

    private GoogleBertNames() {}

    /** The Transformers weight of {@code variable}, or why it is skipped. */
    static Mapped map(String variable) {
        if (variable.equals("global_step")) {
            return new Skipped("global_step");
        }
        if (variable.startsWith("_CHECKPOINTABLE_OBJECT_GRAPH")) {
            return new Skipped("object graph");
        }
        String[] parts = withoutScope(variable.split("/"));
        List<String> out = new ArrayList<>();
        for (String p : parts) {
            if (OPTIMIZER.contains(p)) {
                return new Skipped("optimizer slots");
            }
            Matcher m = INDEXED.matcher(p);
            out.add(switch (p) {
                case "kernel", "gamma", "output_weights" -> "weight";
                case "beta", "output_bias" -> "bias";
                default -> m.matches() ? m.group(1) + "." + m.group(2) : p;
            });
        }
        String last = parts[parts.length - 1];
        if (last.endsWith("_embeddings")) {
            out.add("weight");
        }
        return new Weight(String.join(".", out), last.equals("kernel"));
    }

    /** The path from its first {@code bert} or {@code cls} part on (all of it when there is none). */
    private static String[] withoutScope(String[] parts) {
        for (int i = 0; i < parts.length - 1; i++) {
            if (parts[i].equals("bert") || parts[i].equals("cls")) {
                return java.util.Arrays.copyOfRange(parts, i, parts.length);
            }
        }
        return parts;
    }
}
