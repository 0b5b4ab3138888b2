package org.finetune4j.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.data.Batch;
import org.finetune4j.data.Dataset;
import org.finetune4j.data.Sampler;
import org.finetune4j.distributed.World;
import org.finetune4j.model.Output;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.Scope;

/**
 * Sequence-classification evaluation as batches stream: the sample-weighted mean loss and the
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
        double lossSum = 0;
        Sampler sampler = Sampler.sequential(data.size(), batchSize);
        try (Autograd.Guard noGrad = Autograd.noGrad()) {
            for (int[] indices : world.shard(sampler.batches(0))) {
                Batch b = data.batch(indices, padId, 0);
                try (Scope step = Scope.open()) {
                    Output out = model.forward(Batches.inputs(b, model.config.tokenTypes()), Forward.eval());
                    lossSum += out.loss().item() * b.examples();
                    mine.addLogits(out.logits().toFloatArray(), b.labels());
                }
            }
        }
        ClassificationMetrics metrics = new ClassificationMetrics(labels);
        metrics.addOver(world, mine);
        lossSum = world.sum(lossSum)[0];
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("eval_loss", lossSum / data.size());
        m.putAll(metrics.asMap("eval"));
        m.put("eval_runtime", Math.round(seconds * 1e4) / 1e4);
        m.put("eval_samples_per_second", Math.round(data.size() / seconds * 1e3) / 1e3);
        m.put("eval_steps_per_second", Math.round(sampler.batchesPerEpoch() / seconds * 1e3) / 1e3);
        return new Result(m, metrics.confusion());
    }
}
