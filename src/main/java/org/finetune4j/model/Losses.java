package org.finetune4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.function.UnaryOperator;
import org.finetune4j.tensor.Ops;

/** The losses of Transformers' heads; label -100 is ignored everywhere. */
public final class Losses {

    public static final int IGNORE_INDEX = -100;

    private Losses() {}

    /** Mean cross-entropy of logits [N, C] against labels [N] over the labels that are not -100. */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray valid = labels.neq(IGNORE_INDEX); // [N]
        NDArray safe = labels.mul(valid.toType(labels.getDataType(), false)).toType(DataType.INT64, false);
        NDArray logp = logits.logSoftmax(-1); // [N, C]
        NDArray picked = logp.gather(safe.expandDims(1), 1).squeeze(1); // [N]
        NDArray w = valid.toType(DataType.FLOAT32, false);
        return picked.mul(w).sum().neg().div(w.sum());
    }

    /** Sum (not mean) of the token cross-entropies; the caller divides by a global token count. */
    public static NDArray crossEntropySum(NDArray logits, NDArray labels) {
        NDArray valid = labels.neq(IGNORE_INDEX);
        NDArray safe = labels.mul(valid.toType(labels.getDataType(), false)).toType(DataType.INT64, false);
        NDArray picked = logits.logSoftmax(-1).gather(safe.expandDims(1), 1).squeeze(1);
        return picked.mul(valid.toType(DataType.FLOAT32, false)).sum().neg();
    }

    /**
     * Cross-entropy with label smoothing as Transformers' LabelSmoother: (1 - eps) x NLL + eps x the
     * mean over classes of -log p, both averaged over the labels that are not -100. logits [N.., C].
     */
    public static NDArray labelSmoothed(NDArray logits, NDArray labels, double eps) {
        long c = logits.getShape().get(logits.getShape().dimension() - 1);
        NDArray flat = logits.reshape(-1, c);
        NDArray y = labels.reshape(-1);
        NDArray valid = y.neq(IGNORE_INDEX).toType(DataType.FLOAT32, false); // [N]
        NDArray n = valid.sum();
        NDArray nll = crossEntropySum(flat, y).div(n);
        NDArray smooth = flat.logSoftmax(-1).sum(new int[] {1}).neg().mul(valid).sum().div(n.mul((float) c)); // n: no grad
        return Ops.mul(nll, 1 - eps).add(Ops.mul(smooth, eps));
    }

    /** {@link #labelSmoothed}, for a causal LM ({@code shift}) on logits [B, T, V] before t predicting labels at t+1, as Transformers' LabelSmoother(shift_labels=True). */
    public static NDArray labelSmoothed(NDArray logits, NDArray labels, double eps, boolean shift) {
        if (!shift) {
            return labelSmoothed(logits, labels, eps);
        }
        return labelSmoothed(logits, nextLabels(labels), eps);
    }

    /**
     * Causal LM loss: logits at t predict the label at t+1; mean over all kept labels of the batch.
     * As Transformers, the labels shift, not the logits: slicing [B, T, V] would copy it, and its
     * backward would fill and copy another array of that size.
     */
    public static NDArray causalLm(NDArray logits, NDArray labels) { // [B, T, V], [B, T]
        long v = logits.getShape().get(2);
        return crossEntropy(logits.reshape(-1, v), nextLabels(labels).reshape(-1));
    }

    /**
     * {@link #causalLm(NDArray, NDArray)} of {@code head(hidden)}, computed over row chunks of at most
     * {@link Ops#HEAP_BLOCK_BYTES} of logits, without a [B, T, V] array, so training steps reuse the
     * heap's pages instead of faulting fresh ones in for the logits, their log-softmax and the
     * gradients of both.
     */
    public static NDArray causalLm(NDArray hidden, UnaryOperator<NDArray> head, long vocab, NDArray labels) { // [B, T, C]
        return causalLm(hidden, head, vocab, labels, Ops.HEAP_BLOCK_BYTES);
    }

    static NDArray causalLm(NDArray hidden, UnaryOperator<NDArray> head, long vocab, NDArray labels, long chunkBytes) {
        NDArray rows = hidden.reshape(-1, hidden.getShape().get(2));
        NDArray y = nextLabels(labels).reshape(-1);
        long n = rows.getShape().get(0);
        long chunk = Math.max(1, chunkBytes / (Float.BYTES * vocab));
        NDArray sum = null;
        for (long s = 0; s < n; s += chunk) {
            String range = s + ":" + Math.min(n, s + chunk);
            NDArray part = crossEntropySum(head.apply(rows.get(range)), y.get(range));
            sum = sum == null ? part : sum.add(part);
        }
        return sum.div(y.neq(IGNORE_INDEX).toType(DataType.FLOAT32, false).sum());
    }

    /** labels [B, T] shifted left by one, -100 in the last column: the target of position t is the label at t+1. */
    static NDArray nextLabels(NDArray labels) {
        long b = labels.getShape().get(0);
        NDArray end = labels.getManager().full(new Shape(b, 1), IGNORE_INDEX, labels.getDataType());
        return labels.get(":, 1:").concat(end, 1);
    }

    /**
     * Sequence classification as Transformers picks it from problem_type: regression (one label,
     * MSE), multi-label (BCE with logits on float labels [B, C]) or single-label cross-entropy.
     */
    public static NDArray sequenceClassification(NDArray logits, NDArray labels, String problemType) {
        long numLabels = logits.getShape().get(1);
        if ("regression".equals(problemType) || (problemType == null && numLabels == 1)) {
            NDArray diff = logits.squeeze(1).sub(labels.toType(DataType.FLOAT32, false).reshape(-1));
            return diff.square().mean();
        }
        if ("multi_label_classification".equals(problemType)) {
            NDArray y = labels.toType(DataType.FLOAT32, false);
            // log(1 + exp(-|x|)) + max(x, 0) - x y, the stable form
            NDArray x = logits;
            NDArray softplus = Ops.add(x.abs().neg().exp(), 1).log();
            return softplus.add(Ops.maximum(x, 0)).sub(x.mul(y)).mean();
        }
        return crossEntropy(logits, labels.reshape(-1));
    }
}
