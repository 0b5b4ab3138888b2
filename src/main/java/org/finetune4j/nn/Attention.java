package org.finetune4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.finetune4j.tensor.Ops;

/**
 * Scaled dot-product attention shared by every architecture ("eager" in Transformers): scores,
 * additive mask bias, float32 softmax, dropout, weighted sum. Grouped-query heads are repeated.
 */
public final class Attention {

    private Attention() {}

    /** [B, T, H*D] -> [B, H, T, D]. */
    public static NDArray splitHeads(NDArray x, int heads) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
    }

    /** [B, H, T, D] -> [B, T, H*D]. */
    public static NDArray mergeHeads(NDArray x) {
        Shape s = x.getShape();
        return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }

    /**
     * q [B, H, T, D], k and v [B, Hkv, S, D], bias additive [B or 1, 1, T or 1, S] (or null);
     * returns [B, H, T, D]. The probabilities [B, H, T, S] go to {@code f} when it keeps them.
     */
    public static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray bias, double scale, double dropout, Forward f) {
        long heads = q.getShape().get(1);
        long kvHeads = k.getShape().get(1);
        if (kvHeads != heads) {
            k = repeatKv(k, heads / kvHeads);
            v = repeatKv(v, heads / kvHeads);
        }
        NDArray scores = Ops.mul(q, scale).matMul(k.transpose(0, 1, 3, 2)); // [B, H, T, S], scaled on the smaller q
        if (bias != null) {
            scores = scores.add(bias);
        }
        NDArray probs = scores.softmax(-1);
        f.attention(probs);
        return f.dropout(probs, dropout).matMul(v);
    }

    /** Each key/value head serves {@code times} query heads in a row: [B, Hkv, S, D] -> [B, Hkv*times, S, D]. */
    static NDArray repeatKv(NDArray x, long times) {
        Shape s = x.getShape();
        return x.expandDims(2).broadcast(s.get(0), s.get(1), times, s.get(2), s.get(3))
                .reshape(s.get(0), s.get(1) * times, s.get(2), s.get(3));
    }

    /**
     * Additive mask bias: 0 where a query may attend, float32's lowest value where the key is
     * padding (attentionMask [B, S] is 0) or, when causal, in the future; [B, 1, T, S] when causal,
     * else [B, 1, 1, S], or null when nothing is masked. Queries are the last T of the S positions
     * (a KV cache holds the first S - T).
     */
    public static NDArray maskBias(NDArray attentionMask, long queryLength, boolean causal) {
        return maskBias(attentionMask, queryLength, causal, 0);
    }

    /**
     * As {@link #maskBias(NDArray, long, boolean)}; a causal mask with {@code window > 0} also hides
     * keys {@code window} or more positions back (Mistral's sliding window: q - k < window).
     */
    public static NDArray maskBias(NDArray attentionMask, long queryLength, boolean causal, int window) {
        NDManager m = attentionMask.getManager();
        Shape s = attentionMask.getShape();
        long keys = s.get(1);
        NDArray keep = attentionMask.toType(DataType.BOOLEAN, false).reshape(s.get(0), 1, 1, keys);
        if (causal) {
            NDArray qpos = m.arange(keys - queryLength, keys).reshape(queryLength, 1);
            NDArray kpos = m.arange(0, keys).reshape(1, keys);
            keep = keep.logicalAnd(kpos.lte(qpos)); // [B, 1, T, S]
            if (window > 0) {
                keep = keep.logicalAnd(kpos.gt(qpos.sub(window)));
            }
        } else if (attentionMask.min().toType(DataType.INT64, false).getLong() == 1) {
            return null; // no padding: skip the bias (one pass less forward and backward)
        }
        return keep.toType(DataType.FLOAT32, false).sub(1f).mul(Float.MAX_VALUE); // (keep - 1) * max
    }
}
