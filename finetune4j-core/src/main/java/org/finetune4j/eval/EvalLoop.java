package org.finetune4j.eval;

import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.IntFunction;
import org.finetune4j.data.Batch;
import org.finetune4j.data.Sampler;
import org.finetune4j.distributed.World;
import org.finetune4j.model.Output;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.Scope;
import org.finetune4j.train.Batches;

/**
 * The loop every evaluation shares: batches in order, this rank running every size-th one ({@link World#shard}),
 * each forward pass without gradients and in its own scope, so no more than one batch's tensors are alive; the
 * task's metric sees each batch and its output. Also the numbers every evaluation reports besides its metric
 * (runtime and throughput) and the token-weighted mean loss of the language-model evaluations.
 */
public final class EvalLoop {

    private EvalLoop() {}

    /** The batches of {@code size} examples in order, {@code batchSize} a batch (the last may be short). */
    public static List<int[]> batches(int size, int batchSize) {
        return Sampler.sequential(size, batchSize).batches(0);
    }

    /**
     * Runs {@code model} on this rank's share of {@code count} batches: {@code batch} makes batch k (null: skip it),
     * {@code metric} takes it with the model's output of an eval pass ({@link Forward#eval}).
     */
    public static void run(TransformerModel model, int count, IntFunction<Batch> batch, World world,
            BiConsumer<Batch, Output> metric) {
        run(model, Forward.eval(), count, batch, world, metric);
    }

    /**
     * As above, every batch through {@code pass}, an eval pass that captures nothing and may say what the metric
     * reads of the output (e.g. {@link Forward#labelledOnly}).
     */
    public static void run(TransformerModel model, Forward pass, int count, IntFunction<Batch> batch, World world,
            BiConsumer<Batch, Output> metric) {
        try (Autograd.Guard noGrad = Autograd.noGrad()) {
            for (int k : world.shard(count)) {
                Batch b = batch.apply(k);
                if (b == null) {
                    continue;
                }
                try (Scope step = Scope.open()) {
                    metric.accept(b, model.forward(Batches.inputs(b, model.config.tokenTypes()), pass));
                }
            }
        }
    }

    /** Adds {@code <prefix>runtime} and {@code <prefix>samples_per_second} since {@code t0} (System.nanoTime) to {@code m}. */
    public static double timing(Map<String, Double> m, String prefix, long t0, int samples) {
        double seconds = (System.nanoTime() - t0) / 1e9;
        m.put(prefix + "runtime", Math.round(seconds * 1e4) / 1e4);
        m.put(prefix + "samples_per_second", Math.round(samples / seconds * 1e3) / 1e3);
        return seconds;
    }

    /** {@link #timing} and {@code <prefix>steps_per_second}, {@code steps} batches. */
    public static void timing(Map<String, Double> m, String prefix, long t0, int samples, int steps) {
        double seconds = timing(m, prefix, t0, samples);
        m.put(prefix + "steps_per_second", Math.round(steps / seconds * 1e3) / 1e3);
    }

    /**
     * The mean loss over every labelled token of a set: each batch's mean loss weighted by its loss items, so the
     * number does not depend on the batch size (Transformers' eval_loss weighs batch means by rows).
     */
    static final class TokenMean {
        double lossSum;
        long items;

        void add(double batchMean, long batchItems) {
            lossSum += batchMean * batchItems;
            items += batchItems;
        }

        /** The mean over all ranks' tokens, NaN when none was scored; {@code items} then holds every rank's count. */
        double mean(World world) {
            double[] all = world.sum(lossSum, items);
            items = (long) all[1];
            return items == 0 ? Double.NaN : all[0] / items;
        }
    }
}
