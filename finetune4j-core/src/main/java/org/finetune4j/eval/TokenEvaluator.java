package org.finetune4j.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.data.Batch;
import org.finetune4j.data.Packing;
import org.finetune4j.data.TagScheme;
import org.finetune4j.data.TokenClassificationData;
import org.finetune4j.distributed.World;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.train.Runs;

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
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("eval_loss", tags.loss());
        m.putAll(report.asMap("eval"));
        EvalLoop.timing(m, "eval_", t0, data.size(), (int) Math.ceil(data.size() / (double) batchSize));
        return m;
    }

    /**
     * Runs the model ({@link EvalLoop}) and reads the argmax tag of every labelled token; sharded over
     * the ranks of {@code world} by batch, each sentence's (gold, predicted) ids then shared.
     */
    public static Tags predict(TransformerModel model, TokenClassificationData data, List<String> labels, int batchSize,
            long padId, World world, boolean pack) {
        float[][] mine = new float[data.size()][]; // per sentence: gold id, predicted id, gold id, ...
        double[] lossSum = {0};
        List<int[]> batches = EvalLoop.batches(data.size(), batchSize);
        EvalLoop.run(model, batches.size(), k -> packed(data.batch(batches.get(k), padId), pack, padId), world, (b, out) -> {
            float loss = (float) out.loss().item();
            lossSum[0] += Float.isNaN(loss) ? 0 : loss * b.examples();
            long[] argmax = out.logits().argmax(-1).toLongArray(); // [B * T], or [R * L] packed
            int t = b.length();
            int[] indices = b.exampleIndices();
            for (int r = 0; r < indices.length; r++) { // each sentence's labels beside its own tokens' argmax
                mine[indices[r]] = b.packing() == null ? labelled(b.tokenLabels()[r], argmax, r * t)
                        : labelled(exampleLabels(b, r), argmax, (int) b.packing().firsts()[r]);
            }
        });
        float[][] pairs = world.fill(mine);
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
        return new Tags(gold, predicted, world.sum(lossSum[0])[0] / data.size());
    }

    /** The (gold, predicted) id pairs of a row's labelled tokens, flat; {@code argmax} holds the row from {@code at}. */
    private static Batch packed(Batch b, boolean pack, long padId) {
        return pack ? Packing.pack(b, 0, padId, false) : b;
    }

    /** Example r's token labels in a packed batch: its own tokens, from its first to its last flat index. */
    private static long[] exampleLabels(Batch b, int r) {
        int first = (int) b.packing().firsts()[r];
        int width = b.length();
        long[] y = new long[(int) b.packing().lasts()[r] - first + 1];
        for (int k = 0; k < y.length; k++) {
            y[k] = b.tokenLabels()[(first + k) / width][(first + k) % width];
        }
        return y;
    }

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
