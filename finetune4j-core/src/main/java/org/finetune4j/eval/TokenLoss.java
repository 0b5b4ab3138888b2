package org.finetune4j.eval;

import java.util.LinkedHashMap;
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
 * The mean loss over the labelled tokens of a token-labelled dataset (for instruction data: the
 * response tokens), streamed batch by batch: each batch's mean loss weighted by its loss items, so
 * the result is the mean over all tokens, not over batches (Transformers' eval_loss weighs batch
 * means by rows); perplexity is exp of it. Sharded over the ranks of a {@link World} by batch.
 */
public final class TokenLoss {

    private TokenLoss() {}

    /** Example indices from the longest to the shortest: batches of alike lengths pad little (the mean does not depend on order). */
    private static int[] byLength(int[] lengths) {
        return java.util.stream.IntStream.range(0, lengths.length).boxed()
                .sorted((a, b) -> lengths[a] != lengths[b] ? Integer.compare(lengths[b], lengths[a]) : Integer.compare(a, b))
                .mapToInt(Integer::intValue).toArray();
    }

    /** {@code eval_loss}, {@code eval_perplexity}, {@code eval_tokens} (labels scored), runtime and throughput. */
    public static Map<String, Double> evaluate(TransformerModel model, Dataset data, int batchSize, long padId, World world) {
        long t0 = System.nanoTime();
        double lossSum = 0;
        long items = 0;
        Sampler sampler = Sampler.sequential(data.size(), batchSize);
        int[] byLength = byLength(data.lengths());
        try (Autograd.Guard noGrad = Autograd.noGrad()) {
            for (int[] batch : world.shard(sampler.batches(0))) {
                int[] indices = java.util.Arrays.stream(batch).map(i -> byLength[i]).toArray();
                Batch b = data.batch(indices, padId, 0);
                if (b.lossItems() == 0) {
                    continue;
                }
                try (Scope step = Scope.open()) {
                    Output out = model.forward(Batches.inputs(b, model.config.tokenTypes()), Forward.eval());
                    lossSum += out.loss().item() * (double) b.lossItems();
                    items += b.lossItems();
                }
            }
        }
        double[] all = world.sum(lossSum, items);
        lossSum = all[0];
        items = (long) all[1];
        double seconds = (System.nanoTime() - t0) / 1e9;
        double loss = items == 0 ? Double.NaN : lossSum / items;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("eval_loss", loss);
        m.put("eval_perplexity", Math.exp(loss));
        m.put("eval_tokens", (double) items);
        m.put("eval_runtime", Math.round(seconds * 1e4) / 1e4);
        m.put("eval_samples_per_second", Math.round(data.size() / seconds * 1e3) / 1e3);
        m.put("eval_steps_per_second", Math.round(sampler.batchesPerEpoch() / seconds * 1e3) / 1e3);
        return m;
    }
}
