package org.finetune4j.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.data.Batch;
import org.finetune4j.data.LmData;
import org.finetune4j.distributed.World;
import org.finetune4j.model.Output;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * Language-model evaluation as batches stream: the mean loss over every labelled token of the set
 * (each batch's mean loss weighted by its labelled tokens, so the number does not depend on the
 * batch size), the perplexity exp(loss), and for masked objectives the accuracy of the predictions
 * at the masked positions (and the next-sentence accuracy for pretraining). Masking uses seeds
 * derived from {@code seed} and the batch number only, so every evaluation of a run, and of two
 * models, masks the same positions the same way. Sharded over the ranks of a {@link World} by batch,
 * the sums added up.
 */
public final class LmEvaluator {

    /** The seed evaluation masking starts from unless told otherwise. */
    public static final long DEFAULT_SEED = 42;

    private LmEvaluator() {}

    /** Metrics named {@code <prefix>loss}, {@code <prefix>perplexity}, {@code <prefix>accuracy}, ... on padded batches. */
    public static Map<String, Double> evaluate(TransformerModel model, LmData data, int batchSize, long padId, long seed, String prefix,
            World world) {
        return evaluate(model, data, batchSize, padId, seed, prefix, world, false);
    }

    /** As above; with {@code pack}, each batch is packed ({@link org.finetune4j.data.Packing}) into rows of its longest example. */
    public static Map<String, Double> evaluate(TransformerModel model, LmData data, int batchSize, long padId, long seed, String prefix,
            World world, boolean pack) {
        long t0 = System.nanoTime();
        EvalLoop.TokenMean mean = new EvalLoop.TokenMean();
        long[] counts = new long[3]; // correct at masked positions, correct next-sentence predictions, rows with NSP labels
        List<int[]> batches = EvalLoop.batches(data.size(), batchSize);
        Forward pass = Forward.eval().labelledOnly(); // the metrics read the logits at the labelled positions only
        EvalLoop.run(model, pass, batches.size(), k -> scored(packed(data.batch(batches.get(k), padId, seed * 1_000_003L + k), pack, padId, model)), world, (b, out) -> {
            mean.add(mlmLoss(out, b, data.objective()), b.lossItems());
            if (data.objective().masked()) {
                counts[0] += correct(out.logits(), b.tokenLabels());
            }
            if (b.nextSentenceLabels() != null) {
                long[] pred = out.seqRelationshipLogits().argmax(1).to(DType.I64).toLongArray();
                for (int i = 0; i < pred.length; i++) {
                    counts[1] += pred[i] == b.nextSentenceLabels()[i] ? 1 : 0;
                }
                counts[2] += pred.length;
            }
        });
        double loss = mean.mean(world);
        double[] all = world.sum(counts[0], counts[1], counts[2]);
        long items = mean.items;
        long rows = (long) all[2];
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(prefix + "loss", loss);
        m.put(prefix + "perplexity", Math.exp(loss));
        if (data.objective().masked()) {
            m.put(prefix + "accuracy", items == 0 ? Double.NaN : (long) all[0] / (double) items);
        }
        if (rows > 0) {
            m.put(prefix + "nsp_accuracy", (long) all[1] / (double) rows);
        }
        m.put(prefix + "tokens", (double) items);
        EvalLoop.timing(m, prefix, t0, data.size());
        return m;
    }

    /** {@code b} packed into rows of its longest example when {@code pack}, causal labels for a causal LM head. */
    private static Batch packed(Batch b, boolean pack, long padId, TransformerModel model) {
        return pack ? org.finetune4j.data.Packing.pack(b, 0, padId, model.head == org.finetune4j.model.Head.CAUSAL_LM) : b;
    }

    /** The batch, or null when it has no token to score. */
    static Batch scored(Batch b) {
        return b.lossItems() == 0 ? null : b;
    }

    /** The loss of the language-model part: for pretraining the NSP loss is taken off, so loss and perplexity are the MLM's. */
    private static double mlmLoss(Output out, Batch b, LmData.Objective objective) {
        if (objective != LmData.Objective.PRETRAINING || b.nextSentenceLabels() == null) {
            return out.loss().item();
        }
        Tensor nsp = org.finetune4j.model.Losses.crossEntropy(out.seqRelationshipLogits(), Torch.tensor(b.nextSentenceLabels()));
        return out.loss().item() - nsp.item();
    }

    /** Correct predictions at labelled positions; logits are [N, V] (labelled rows only) or [B, T, V]. */
    static long correct(Tensor logits, long[][] labels) {
        long[] pred = logits.argmax(-1).to(DType.I64).toLongArray();
        long c = 0;
        int j = 0;
        boolean gathered = logits.dim() == 2;
        int t = labels.length == 0 ? 0 : labels[0].length;
        for (int r = 0; r < labels.length; r++) {
            for (int i = 0; i < t; i++) {
                if (labels[r][i] == -100) {
                    continue;
                }
                long p = gathered ? pred[j++] : pred[r * t + i];
                c += p == labels[r][i] ? 1 : 0;
            }
        }
        return c;
    }
}
