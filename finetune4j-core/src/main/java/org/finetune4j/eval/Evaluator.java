package org.finetune4j.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.data.Dataset;
import org.finetune4j.data.Examples;
import org.finetune4j.data.Packing;
import org.finetune4j.distributed.World;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tensor.Tensor;

/**
 * Sequence-classification evaluation as batches stream ({@link EvalLoop}): the sample-weighted mean loss and the
 * classification metrics, never holding more than one batch of logits. Sharded over the ranks of a
 * {@link World}: each rank evaluates every size-th batch and the sums are added up.
 */
public final class Evaluator {

    private Evaluator() {}

    /** The metrics and the confusion matrix (rows: true label, columns: predicted). */
    public record Result(Map<String, Double> metrics, long[][] confusion) {}

    /** Metrics named {@code eval_loss}, {@code eval_accuracy}, ... plus runtime and throughput. */
    public static Map<String, Double> evaluate(TransformerModel model, Dataset data, List<String> labels,
            int batchSize, long padId, World world) {
        return run(model, data, labels, batchSize, padId, world).metrics();
    }

    /** Evaluates as {@link #evaluate} and keeps the confusion matrix; {@code data} may pack its batches ({@link org.finetune4j.data.PackedRows}). */
    public static Result run(TransformerModel model, Dataset data, List<String> labels,
            int batchSize, long padId, World world) {
        long t0 = System.nanoTime();
        ClassificationMetrics mine = new ClassificationMetrics(labels);
        double[] lossSum = {0};
        List<int[]> batches = EvalLoop.batches(data.size(), batchSize);
        EvalLoop.run(model, batches.size(), k -> data.batch(batches.get(k), padId, 0), world, (b, out) -> {
            lossSum[0] += out.loss().item() * b.examples();
            mine.addLogits(out.logits().toFloatArray(), b.labels());
        });
        ClassificationMetrics metrics = new ClassificationMetrics(labels);
        metrics.addOver(world, mine);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("eval_loss", world.sum(lossSum[0])[0] / data.size());
        m.putAll(metrics.asMap("eval"));
        EvalLoop.timing(m, "eval_", t0, data.size(), batches.size());
        return new Result(m, metrics.confusion());
    }

    /** Class probabilities [n][labels] of the examples, computed in batches by a sequence classifier, packed into rows of each batch's longest example. */
    public static float[][] probabilities(TransformerModel model, Examples examples, int batchSize, long padId) {
        float[][] out = new float[examples.size()][];
        List<int[]> batches = EvalLoop.batches(examples.size(), batchSize);
        EvalLoop.run(model, batches.size(), k -> Packing.pack(examples.batch(batches.get(k), padId), 0, padId, false), World.SINGLE, (b, o) -> {
            Tensor logits = o.logits();
            float[] p = logits.softmax(-1).toFloatArray();
            int n = (int) logits.size(-1);
            int[] indices = b.exampleIndices();
            for (int r = 0; r < indices.length; r++) {
                out[indices[r]] = java.util.Arrays.copyOfRange(p, r * n, (r + 1) * n);
            }
        });
        return out;
    }
}
