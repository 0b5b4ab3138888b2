package org.finetune4j.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.data.Batch;
import org.finetune4j.data.Packing;
import org.finetune4j.data.Sampler;
import org.finetune4j.data.TagScheme;
import org.finetune4j.data.TokenClassificationData;
import org.finetune4j.distributed.World;
import org.finetune4j.model.Output;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.Scope;

/**
 * Token-classification evaluation as run_ner computes it: the loss, then seqeval over the tags of
 * the labelled tokens (the first piece of each word, or every piece with label_all_tokens), with
 * run_ner's names (eval_precision, eval_recall, eval_f1, eval_accuracy) and per entity type.
 */
public final class TokenEvaluator {

    private TokenEvaluator() {}

    /** Gold and predicted tags of the labelled tokens, one list a sentence, and the row-weighted mean loss. */
    public record Tags(List<List<String>> gold, List<List<String>> predicted, double loss) {}

    /** Metrics with {@code prefix} (eval), plus runtime and throughput; the batches are packed. */
    public static Map<String, Double> evaluate(TransformerModel model, TokenClassificationData data, List<String> labels,
            boolean strict, TagScheme scheme, int batchSize, long padId, World world) {
        return evaluate(model, data, labels, strict, scheme, batchSize, padId, world, true);
    }

    /** As above; {@code pack}: each batch packed ({@link Packing}) into rows of its longest sentence, else padded. */
    public static Map<String, Double> evaluate(TransformerModel model, TokenClassificationData data, List<String> labels,
            boolean strict, TagScheme scheme, int batchSize, long padId, World world, boolean pack) {
        long t0 = System.nanoTime();
        Tags tags = predict(model, data, labels, batchSize, padId, world, pack);
        Seqeval.Report report = Seqeval.evaluate(tags.gold(), tags.predicted(), strict, scheme);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("eval_loss", tags.loss());
        m.putAll(report.asMap("eval"));
        m.put("eval_runtime", Math.round(seconds * 1e4) / 1e4);
        m.put("eval_samples_per_second", Math.round(data.size() / seconds * 1e3) / 1e3);
        m.put("eval_steps_per_second", Math.round(Math.ceil(data.size() / (double) batchSize) / seconds * 1e3) / 1e3);
        return m;
    }

    /**
     * Runs the model without gradients and reads the argmax tag of every labelled token; sharded over
     * the ranks of {@code world} by batch, each sentence's (gold, predicted) ids then shared.
     */
    public static Tags predict(TransformerModel model, TokenClassificationData data, List<String> labels, int batchSize,
            long padId, World world, boolean pack) {
        float[][] pairs = new float[data.size()][]; // per sentence: gold id, predicted id, gold id, ...
        double lossSum = 0;
        try (Autograd.Guard noGrad = Autograd.noGrad()) {
            for (int[] indices : world.shard(Sampler.sequential(data.size(), batchSize).batches(0))) {
                Batch padded = data.batch(indices, padId);
                Batch b = pack ? Packing.pack(padded, 0, padId, false) : padded;
                try (Scope step = Scope.open()) {
                    Output out = model.forward(Batches.inputs(b, model.config.tokenTypes()), Forward.eval());
                    float loss = (float) out.loss().item();
                    lossSum += Float.isNaN(loss) ? 0 : loss * b.examples();
                    long[] argmax = out.logits().argmax(-1).toLongArray(); // [B * T], or [R * L] packed
                    for (int r = 0; r < indices.length; r++) { // each sentence's labels beside its own tokens' argmax
                        int at = pack ? (int) b.packing().firsts()[r] : r * b.length();
                        pairs[indices[r]] = labelled(padded.tokenLabels()[r], argmax, at);
                    }
                }
            }
        }
        pairs = world.fill(pairs);
        List<List<String>> gold = new ArrayList<>(pairs.length);
        List<List<String>> predicted = new ArrayList<>(pairs.length);
        for (float[] row : pairs) {
            List<String> g = new ArrayList<>();
            List<String> p = new ArrayList<>();
            for (int k = 0; k < row.length; k += 2) {
                g.add(labels.get((int) row[k]));
                p.add(labels.get((int) row[k + 1]));
            }
            gold.add(g);
            predicted.add(p);
        }
        return new Tags(gold, predicted, world.sum(lossSum)[0] / data.size());
    }

    /** The (gold, predicted) id pairs of a row's labelled tokens, flat; {@code argmax} holds the row from {@code at}. */
    private static float[] labelled(long[] y, long[] argmax, int at) {
        float[] out = new float[2 * (int) java.util.Arrays.stream(y).filter(v -> v != -100).count()];
        int j = 0;
        for (int k = 0; k < y.length; k++) {
            if (y[k] != -100) {
                out[j++] = y[k];
                out[j++] = argmax[at + k];
            }
        }
        return out;
    }
}
