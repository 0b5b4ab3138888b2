package org.finetune4j.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.data.Dataset;
import org.finetune4j.distributed.World;
import org.finetune4j.model.TransformerModel;

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
        EvalLoop.TokenMean mean = new EvalLoop.TokenMean();
        List<int[]> batches = EvalLoop.batches(data.size(), batchSize);
        int[] byLength = byLength(data.lengths());
        EvalLoop.run(model, batches.size(), k -> LmEvaluator.scored(data.batch(java.util.Arrays.stream(batches.get(k))
                .map(i -> byLength[i]).toArray(), padId, 0)), world, (b, out) -> mean.add(out.loss().item(), b.lossItems()));
        double loss = mean.mean(world);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("eval_loss", loss);
        m.put("eval_perplexity", Math.exp(loss));
        m.put("eval_tokens", (double) mean.items);
        EvalLoop.timing(m, "eval_", t0, data.size(), batches.size());
        return m;
    }
}
