package org.finetune4j.model;

import java.util.List;
import java.util.function.UnaryOperator;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.F;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/** The losses of Transformers' heads; label -100 is ignored everywhere. */
public final class Losses {

    public static final int IGNORE_INDEX = F.IGNORE_INDEX;

    private Losses() {}

    /** Mean cross-entropy of logits [N, C] against labels [N] over the labels that are not -100. */
    public static Tensor crossEntropy(Tensor logits, Tensor labels) {
        return F.crossEntropy(logits, labels.to(DType.I64));
    }

    /** Sum (not mean) of the token cross-entropies; the caller divides by a global token count. */
    public static Tensor crossEntropySum(Tensor logits, Tensor labels) {
        return F.crossEntropySum(logits, labels.to(DType.I64));
    }

    /**
     * Cross-entropy with label smoothing as Transformers' LabelSmoother: (1 - eps) x NLL + eps x the
     * mean over classes of -log p, both averaged over the labels that are not -100. logits [N.., C].
     */
    public static Tensor labelSmoothed(Tensor logits, Tensor labels, double eps) {
        long c = logits.size(-1);
        Tensor flat = logits.reshape(-1, c).to(DType.F32);
        Tensor y = labels.reshape(-1);
        Tensor valid = y.ne(IGNORE_INDEX).to(DType.F32); // [N]
        Tensor n = valid.sum();
        Tensor nll = crossEntropySum(flat, y).div(n);
        Tensor smooth = flat.logSoftmax(-1).sum(1, false).neg().mul(valid).sum().div(n.mul(c)); // n: no grad
        return nll.mul(1 - eps).add(smooth.mul(eps));
    }

    /** {@link #labelSmoothed}, for a causal LM ({@code shift}) on logits [B, T, V] before t predicting labels at t+1, as Transformers' LabelSmoother(shift_labels=True). */
    public static Tensor labelSmoothed(Tensor logits, Tensor labels, double eps, boolean shift) {
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
    public static Tensor causalLm(Tensor logits, Tensor labels) { // [B, T, V], [B, T]
        long v = logits.size(2);
        return crossEntropy(logits.reshape(-1, v), nextLabels(labels).reshape(-1));
    }

    /**
     * {@link #causalLm(Tensor, Tensor)} of {@code head(hidden)}, computed over row chunks of
     * {@link Scope#HEAP_BLOCK_BYTES} of logits, without a [B, T, V] array, so training steps reuse the
     * heap's pages instead of faulting fresh ones in for the logits, their log-softmax and the
     * gradients of both. A chunk has at least C rows: each chunk reads the head's whole [V, C] weight
     * (and a oneDNN product lays it out afresh), so fewer rows would move more weight than logits
     * (GPT-2 small, LoRA, 512 tokens: 5 chunks of 125 rows took 1.1 CPU s a step more than one).
     */
    public static Tensor causalLm(Tensor hidden, UnaryOperator<Tensor> head, long vocab, Tensor labels) { // [B, T, C]
        return causalLm(hidden, head, vocab, labels, Math.max(Scope.HEAP_BLOCK_BYTES, (long) Float.BYTES * vocab * hidden.size(2)));
    }

    static Tensor causalLm(Tensor hidden, UnaryOperator<Tensor> head, long vocab, Tensor labels, long chunkBytes) {
        Tensor rows = hidden.reshape(-1, hidden.size(2));
        Tensor y = nextLabels(labels).reshape(-1);
        long n = rows.size(0);
        long chunk = Math.max(1, chunkBytes / (Float.BYTES * vocab));
        Tensor sum = null;
        for (long s = 0; s < n; s += chunk) {
            long len = Math.min(chunk, n - s);
            Tensor part = crossEntropySum(head.apply(rows.narrow(0, s, len)), y.narrow(0, s, len));
            sum = sum == null ? part : sum.add(part);
        }
        return sum.div(y.ne(IGNORE_INDEX).to(DType.F32).sum());
    }

    /** labels [B, T] shifted left by one, -100 in the last column: the target of position t is the label at t+1. */
    static Tensor nextLabels(Tensor labels) {
        Tensor end = Torch.full(IGNORE_INDEX, labels.dtype(), labels.size(0), 1);
        return Torch.cat(List.of(labels.slice(1, 1, labels.size(1)), end), 1);
    }

    /**
     * Sequence classification as Transformers picks it from problem_type: regression (one label,
     * MSE), multi-label (BCE with logits on float labels [B, C]) or single-label cross-entropy.
     */
    public static Tensor sequenceClassification(Tensor logits, Tensor labels, String problemType) {
        long numLabels = logits.size(1);
        Tensor x = logits.to(DType.F32);
        if ("regression".equals(problemType) || (problemType == null && numLabels == 1)) {
            Tensor diff = x.squeeze(1).sub(labels.to(DType.F32).reshape(-1));
            return diff.square().mean();
        }
        if ("multi_label_classification".equals(problemType)) {
            Tensor y = labels.to(DType.F32);
            // log(1 + exp(-|x|)) + max(x, 0) - x y, the stable form
            Tensor softplus = x.abs().neg().exp().add(1).log();
            return softplus.add(x.clampMin(0)).sub(x.mul(y)).mean();
        }
        return crossEntropy(logits, labels.reshape(-1));
    }
}
