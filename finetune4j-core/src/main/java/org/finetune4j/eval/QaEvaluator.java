package org.finetune4j.eval;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.data.Batch;
import org.finetune4j.data.Packing;
import org.finetune4j.data.QaFeatures;
import org.finetune4j.distributed.World;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.train.Runs;

/**
 * Extractive-QA evaluation as run_qa's: start and end logits of every window, post-processed into
 * one answer per question ({@link QaPostprocess}), scored by the official SQuAD v1.1 metric, named
 * eval_exact_match and eval_f1 (percent). Sharded over the ranks of a {@link World} by batch; every
 * rank then holds every window's logits and scores the whole set.
 */
public final class QaEvaluator {

    private QaEvaluator() {}

    /** Start and end logits [features][tokens of that feature]. */
    public record Logits(float[][] start, float[][] end) {}

    /**
     * Metrics plus runtime; samples are questions. {@code pack}: each batch packed ({@link Packing}) into rows as long
     * as the set's longest window, else padded; the logits of every window, and so the answers, are the same either way.
     */
    public static Map<String, Double> evaluate(TransformerModel model, QaFeatures features, int nBest, int maxAnswerLength,
            int batchSize, long padId, World world, boolean pack) {
        long t0 = System.nanoTime();
        Logits l = logits(model, features, batchSize, padId, world, pack);
        Map<String, QaPostprocess.Answer> answers = QaPostprocess.best(features, l.start(), l.end(), nBest, maxAnswerLength);
        Map<String, String> texts = new LinkedHashMap<>();
        answers.forEach((id, a) -> texts.put(id, a.text()));
        Map<String, Double> m = new LinkedHashMap<>();
        SquadMetric.score(features.examples(), texts).forEach((k, v) -> m.put("eval_" + k, v));
        EvalLoop.timing(m, "eval_", t0, features.examples().size(), (int) Math.ceil(features.size() / (double) batchSize));
        return m;
    }

    /**
     * Runs the model ({@link EvalLoop}) over every feature (this rank's share of the batches, then shared), each batch
     * packed as {@link #evaluate} says.
     */
    public static Logits logits(TransformerModel model, QaFeatures features, int batchSize, long padId, World world,
            boolean pack) {
        float[][] start = new float[features.size()][];
        float[][] end = new float[features.size()][];
        List<int[]> batches = EvalLoop.batches(features.size(), batchSize);
        int longest = Arrays.stream(features.lengths()).max().orElse(1);
        EvalLoop.run(model, batches.size(), k -> {
            Batch b = unlabelled(features.batch(batches.get(k), padId));
            return pack ? Packing.pack(b, longest, padId, false) : b;
        }, world, (b, out) -> {
            float[] s = out.startLogits().toFloatArray(); // [B * T], one window a row packed or not
            float[] e = out.endLogits().toFloatArray();
            int t = (int) out.startLogits().size(1);
            int[] indices = b.exampleIndices();
            for (int r = 0; r < indices.length; r++) {
                int n = features.ids()[indices[r]].length;
                start[indices[r]] = Arrays.copyOfRange(s, r * t, r * t + n);
                end[indices[r]] = Arrays.copyOfRange(e, r * t, r * t + n);
            }
        });
        return new Logits(world.fill(start), world.fill(end));
    }

    /** The batch without answer spans or labels: the model's inputs only. */
    private static Batch unlabelled(Batch b) {
        return new Batch(b.inputIds(), b.attentionMask(), b.tokenTypeIds(), null, null, null, null, null, b.exampleIndices(),
                b.lossItems());
    }
}
