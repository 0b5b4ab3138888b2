package org.finetune4j.eval;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.finetune4j.data.Batch;
import org.finetune4j.data.QaFeatures;
import org.finetune4j.data.Sampler;
import org.finetune4j.distributed.World;
import org.finetune4j.model.Output;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.Scope;

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

    /** Metrics plus runtime; samples are questions. */
    public static Map<String, Double> evaluate(TransformerModel model, QaFeatures features, int nBest, int maxAnswerLength,
            int batchSize, long padId, World world) {
        long t0 = System.nanoTime();
        Logits l = logits(model, features, batchSize, padId, world);
        Map<String, QaPostprocess.Answer> answers = QaPostprocess.best(features, l.start(), l.end(), nBest, maxAnswerLength);
        Map<String, String> texts = new LinkedHashMap<>();
        answers.forEach((id, a) -> texts.put(id, a.text()));
        Map<String, Double> m = new LinkedHashMap<>();
        SquadMetric.score(features.examples(), texts).forEach((k, v) -> m.put("eval_" + k, v));
        double seconds = (System.nanoTime() - t0) / 1e9;
        m.put("eval_runtime", Math.round(seconds * 1e4) / 1e4);
        m.put("eval_samples_per_second", Math.round(features.examples().size() / seconds * 1e3) / 1e3);
        m.put("eval_steps_per_second", Math.round(Math.ceil(features.size() / (double) batchSize) / seconds * 1e3) / 1e3);
        return m;
    }

    /** Runs the model without gradients over every feature (this rank's share of the batches, then shared). */
    public static Logits logits(TransformerModel model, QaFeatures features, int batchSize, long padId, World world) {
        float[][] start = new float[features.size()][];
        float[][] end = new float[features.size()][];
        try (Autograd.Guard noGrad = Autograd.noGrad()) {
            for (int[] indices : world.shard(Sampler.sequential(features.size(), batchSize).batches(0))) {
                Batch b = features.batch(indices, padId);
                try (Scope step = Scope.open()) {
                    Batch unlabelled = new Batch(b.inputIds(), b.attentionMask(), b.tokenTypeIds(), null, null, null, null,
                            null, b.exampleIndices(), b.lossItems());
                    Output out = model.forward(Batches.inputs(unlabelled, model.config.tokenTypes()), Forward.eval());
                    float[] s = out.startLogits().toFloatArray(); // [B * T]
                    float[] e = out.endLogits().toFloatArray();
                    int t = b.length();
                    for (int r = 0; r < indices.length; r++) {
                        int n = features.ids()[indices[r]].length;
                        start[indices[r]] = Arrays.copyOfRange(s, r * t, r * t + n);
                        end[indices[r]] = Arrays.copyOfRange(e, r * t, r * t + n);
                    }
                }
            }
        }
        return new Logits(world.fill(start), world.fill(end));
    }
}
