package org.finetune4j.tensor;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The functions of {@code torch.nn.functional} the models call, with PyTorch's semantics; under
 * {@link Autocast} libtorch casts their inputs as Python's autocast does (matmuls to bfloat16, losses
 * to float32).
 */
public final class F {

    static {
        Native.init();
    }

    /** Label ignored by the losses, as PyTorch's and Transformers' default. */
    public static final int IGNORE_INDEX = -100;

    private static final long MEAN = 1;
    private static final long SUM = 2;

    private F() {}

    /**
     * {@code x W^T + b} in one kernel; x [.., in], w [out, in] (any strides), b [out] or null. A float32
     * product large enough runs in oneDNN on libtorch's OpenMP threads ({@link Gemm}); the rest, and
     * everything under autocast, in libtorch's own linear.
     */
    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        if (Gemm.oneDnn(x, w, b)) {
            return new Tensor(torch.mkldnn_linear(x.t.contiguous().to_mkldnn(), w.t, Native.optional(b)).to_dense());
        }
        return new Tensor(b == null ? torch.linear(x.t, w.t) : torch.linear(x.t, w.t, b.t));
    }

    /** Rows of {@code table} [V, C] picked by integer {@code ids} [..]; result [.., C]. */
    public static Tensor embedding(Tensor ids, Tensor table) {
        return new Tensor(torch.embedding(table.t, ids.t));
    }

    /**
     * As {@link #embedding(Tensor, Tensor)}; row {@code paddingIdx} (when >= 0) gets no gradient, as torch's padding_idx.
     * With {@code sparse} the table's gradient is sparse, the looked-up rows alone, as torch's {@code sparse=True}.
     */
    public static Tensor embedding(Tensor ids, Tensor table, long paddingIdx, boolean sparse) {
        return new Tensor(torch.embedding(table.t, ids.t, paddingIdx, false, sparse));
    }

    /** LayerNorm over the last dimension; weight and bias may be null. */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        return new Tensor(torch.layer_norm(x.t, new long[] {x.size(-1)}, Native.optional(weight), Native.optional(bias),
                eps, false));
    }

    /** Exact (erf) GELU. */
    public static Tensor gelu(Tensor x) {
        return new Tensor(torch.gelu(x.t));
    }

    /** GELU with the tanh approximation in one kernel ({@code approximate="tanh"}). */
    public static Tensor geluTanh(Tensor x) {
        return new Tensor(torch.gelu(x.t, "tanh"));
    }

    public static Tensor relu(Tensor x) {
        return new Tensor(torch.relu(x.t));
    }

    /** x * sigmoid(x). */
    public static Tensor silu(Tensor x) {
        return new Tensor(torch.silu(x.t));
    }

    /**
     * Inverted dropout: each element kept with probability 1 - p and scaled by 1 / (1 - p); {@code x} itself
     * when not training or p = 0. In a CPU training step the mask comes from the numbers {@link DropoutDraws}
     * drew ahead (kept where the number is at least p), elsewhere from libtorch's dropout and default generator.
     */
    public static Tensor dropout(Tensor x, double p, boolean training) {
        if (!training || p <= 0) {
            return x;
        }
        Tensor u = p < 1 ? DropoutDraws.take(x.numel()) : null; // a stream exists only in CPU steps
        if (u == null) {
            return new Tensor(torch.dropout(x.t, p, true));
        }
        Tensor keep = u.view(x.shape()).ge(p).mul(1 / (1 - p)); // float32 0 or 1 / (1 - p)
        return x.mul(x.dtype() == DType.F32 ? keep : keep.to(x.dtype()));
    }

    /** Mean cross-entropy of logits [N, C] against labels [N] over the labels that are not -100 (NaN when none is). */
    public static Tensor crossEntropy(Tensor logits, Tensor labels) {
        return new Tensor(torch.cross_entropy_loss(logits.t, labels.t, new org.bytedeco.pytorch.TensorOptional(), MEAN,
                IGNORE_INDEX, 0.0));
    }

    /** The sum (not the mean) of the cross-entropies of logits [N, C] against labels [N] that are not -100. */
    public static Tensor crossEntropySum(Tensor logits, Tensor labels) {
        return new Tensor(torch.cross_entropy_loss(logits.t, labels.t, new org.bytedeco.pytorch.TensorOptional(), SUM,
                IGNORE_INDEX, 0.0));
    }

    /**
     * Fused attention (torch's scaled_dot_product_attention): q [B, H, T, D], k and v [B, Hkv, S, D]
     * (grouped heads when Hkv < H), an additive or boolean {@code mask} broadcast to [B, H, T, S] (or
     * null), dropout on the probabilities, {@code scale} times q k^T. Returns [B, H, T, D].
     */
    public static Tensor sdpa(Tensor q, Tensor k, Tensor v, Tensor mask, double dropout, double scale) {
        boolean gqa = k.size(1) != q.size(1);
        return new Tensor(torch.scaled_dot_product_attention(q.t, k.t, v.t, Native.optional(mask), dropout, false,
                new DoubleOptional(scale), gqa));
    }
}
