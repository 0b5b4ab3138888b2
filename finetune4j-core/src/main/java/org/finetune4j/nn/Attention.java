package org.finetune4j.nn;

import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.F;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * Scaled dot-product attention shared by every architecture: the "eager" path of Transformers
 * (scores, additive mask bias, softmax in float32, dropout, weighted sum; grouped-query heads
 * repeated), or libtorch's fused scaled_dot_product_attention where {@link AttentionKernel} measured
 * it faster. The eager path runs whenever the pass keeps the probabilities.
 */
public final class Attention {

    private Attention() {}

    /** [B, T, H*D] -> [B, H, T, D]. */
    public static Tensor splitHeads(Tensor x, int heads) {
        long b = x.size(0);
        long t = x.size(1);
        return x.view(b, t, heads, x.size(2) / heads).transpose(1, 2);
    }

    /** [B, H, T, D] -> [B, T, H*D]. */
    public static Tensor mergeHeads(Tensor x) {
        return x.transpose(1, 2).reshape(x.size(0), x.size(2), x.size(1) * x.size(3));
    }

    /**
     * q [B, H, T, D], k and v [B, Hkv, S, D], bias additive [B or 1, 1, T or 1, S] (or null);
     * returns [B, H, T, D]. The probabilities [B, H, T, S] go to {@code f} when it keeps them.
     */
    public static Tensor attend(Tensor q, Tensor k, Tensor v, Tensor bias, double scale, double dropout, Forward f) {
        double p = f.training ? dropout : 0;
        return !f.keepAttentions && AttentionKernel.fused(q, k) ? F.sdpa(q, k, v, bias, p, scale) : eager(q, k, v, bias, scale, p, f);
    }

    /** The eager path of {@link #attend}, with dropout probability {@code p}. */
    static Tensor eager(Tensor q, Tensor k, Tensor v, Tensor bias, double scale, double p, Forward f) {
        long heads = q.size(1);
        long kvHeads = k.size(1);
        if (kvHeads != heads) {
            k = repeatKv(k, heads / kvHeads);
            v = repeatKv(v, heads / kvHeads);
        }
        Tensor scores = q.mul(scale).matmul(k.transpose(2, 3)); // [B, H, T, S], scaled on the smaller q
        if (bias != null) {
            scores = scores.add(bias);
        }
        Tensor probs = scores.to(DType.F32).softmax(-1);
        f.attention(probs);
        return F.dropout(probs, p, true).matmul(v);
    }

    /** Each key/value head serves {@code times} query heads in a row: [B, Hkv, S, D] -> [B, Hkv*times, S, D]. */
    static Tensor repeatKv(Tensor x, long times) {
        long[] s = x.shape();
        return x.unsqueeze(2).expand(s[0], s[1], times, s[2], s[3]).reshape(s[0], s[1] * times, s[2], s[3]);
    }

    /**
     * Additive mask bias: 0 where a query may attend, float32's lowest value where the key is
     * padding (attentionMask [B, S] is 0) or, when causal, in the future; [B, 1, T, S] when causal,
     * else [B, 1, 1, S], or null when nothing is masked. Queries are the last T of the S positions
     * (a KV cache holds the first S - T).
     */
    public static Tensor maskBias(Tensor attentionMask, long queryLength, boolean causal) {
        return maskBias(attentionMask, queryLength, causal, 0);
    }

    /**
     * As {@link #maskBias(Tensor, long, boolean)}; a causal mask with {@code window > 0} also hides
     * keys {@code window} or more positions back (Mistral's sliding window: q - k < window).
     */
    public static Tensor maskBias(Tensor attentionMask, long queryLength, boolean causal, int window) {
        long keys = attentionMask.size(1);
        Tensor keep = attentionMask.ne(0).view(attentionMask.size(0), 1, 1, keys);
        if (causal) {
            Tensor qpos = Torch.arange(keys - queryLength, keys).view(queryLength, 1);
            Tensor kpos = Torch.arange(0, keys).view(1, keys);
            keep = keep.logicalAnd(kpos.le(qpos)); // [B, 1, T, S]
            if (window > 0) {
                keep = keep.logicalAnd(kpos.gt(qpos.sub(window)));
            }
        } else if (attentionMask.min().longItem() == 1) {
            return null; // no padding: skip the bias (one pass less forward and backward)
        }
        return keep.to(DType.F32).sub(1).mul(Float.MAX_VALUE); // (keep - 1) * max
    }

    /**
     * The additive bias of packed rows [R, 1, L, L]: a query attends only to keys of its own sequence id
     * (sequenceIds [R, L], one id per example of a row, so the mask is block-diagonal; pads attend to pads),
     * when causal only to earlier ones, and with {@code window > 0} only to the last {@code window}. Examples
     * are contiguous, so positions in the row order keys as the example's own positions do.
     */
    public static Tensor packedBias(Tensor sequenceIds, boolean causal, int window) {
        long l = sequenceIds.size(1);
        Tensor keep = sequenceIds.unsqueeze(2).eq(sequenceIds.unsqueeze(1)); // [R, L, L]
        if (causal) {
            Tensor qpos = Torch.arange(0, l).view(l, 1);
            Tensor kpos = Torch.arange(0, l).view(1, l);
            keep = keep.logicalAnd(kpos.le(qpos));
            if (window > 0) {
                keep = keep.logicalAnd(kpos.gt(qpos.sub(window)));
            }
        }
        return keep.unsqueeze(1).to(DType.F32).sub(1).mul(Float.MAX_VALUE); // [R, 1, L, L]
    }
}
