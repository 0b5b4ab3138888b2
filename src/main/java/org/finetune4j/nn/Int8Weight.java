package org.finetune4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.finetune4j.tensor.Ops;

/**
 * A frozen linear weight held as int8 with one absmax scale per output channel (LLM.int8()'s
 * weight format, as bitsandbytes' Linear8bitLt stores it): w[o, i] ~ q[o, i] * scale[o], where
 * q = round(127 w / absmax(w[o, :])) and scale = absmax / 127 (a zero row keeps scale 0). The
 * forward pass converts q to float32 in the activations' scope for that one call and computes in
 * float32, so only the layer at hand exists in float. Unlike bitsandbytes, activations are not
 * quantized (no int8 matmul, no outlier decomposition): the only error is the weights' rounding.
 *
 * @param q          INT8 [out, in]
 * @param scale      FLOAT32 [out]
 * @param transposed whether the parameter is stored [in, out] (GPT-2's Conv1D), so q holds its transpose
 */
public record Int8Weight(NDArray q, NDArray scale, boolean transposed) {

    /**
     * Rows quantized together: temporaries of at most this many floats (1 MiB). glibc serves such
     * blocks again and again from the same free list, whereas whole-weight temporaries (16-64 MiB for
     * a 1.3B model) end up scattered over a heap it never gives back, which doubled the 8-bit peak.
     */
    static final long CHUNK = 1 << 18;

    /** Quantizes w ([out, in], or [in, out] when {@code transposed}); q and scale are created in {@code into}. */
    public static Int8Weight quantize(NDArray w, boolean transposed, NDManager into) {
        try (NDManager tmp = w.getManager().newSubManager()) {
            NDArray v = w.stopGradient(); // a view owned by tmp, so every temporary below lands there
            v.attach(tmp);
            if (transposed) {
                v = v.transpose(); // [out, in]
            }
            long out = v.getShape().get(0);
            long rows = Math.max(1, CHUNK / Math.max(1, v.getShape().get(1)));
            NDList qs = new NDList();
            NDList absmaxes = new NDList();
            for (long from = 0; from < out; from += rows) {
                try (NDManager chunk = tmp.newSubManager()) {
                    NDArray part = v.get(from + ":" + Math.min(out, from + rows)); // [rows, in]
                    part.attach(chunk);
                    NDArray absmax = part.abs().max(new int[] {1}, true); // [rows, 1]
                    NDArray factor = Ops.maximum(absmax, Float.MIN_NORMAL).pow(-1).mul(127f);
                    NDArray q = part.mul(factor).round().clip(-127, 127).toType(DataType.INT8, false);
                    q.attach(tmp);
                    absmax.attach(tmp);
                    qs.add(q);
                    absmaxes.add(absmax);
                }
            }
            NDArray q = qs.size() == 1 ? qs.get(0) : NDArrays.concat(qs); // [out, in]
            NDArray scale = (absmaxes.size() == 1 ? absmaxes.get(0) : NDArrays.concat(absmaxes)).reshape(-1).div(127f);
            q.attach(into);
            scale.attach(into);
            return new Int8Weight(q, scale, transposed);
        }
    }

    public long numel() {
        return q.getShape().size();
    }

    /** The float32 weight in its parameter's layout, owned by {@code scope}. */
    public NDArray dequantize(NDManager scope) {
        NDArray f = q.toType(DataType.FLOAT32, false);
        f.attach(scope);
        NDArray s = scale.reshape(-1, 1);
        s.attach(scope);
        NDArray w = f.mul(s); // [out, in]
        f.close();
        return transposed ? w.transpose() : w;
    }

    /**
     * x [.., in] -> x W^T + b [.., out], W = q * scale: q converted to float32 for this call only, in
     * blocks of output rows of at most {@link Ops#HEAP_BLOCK_BYTES} (not a fresh 64 MiB array mapped
     * and faulted in for every MLP weight of a 1.3B model on every pass), and the scale applied to the
     * output (smaller than the weight at these batch sizes).
     */
    public NDArray linear(NDArray x, NDArray bias) {
        return linear(x, bias, Ops.HEAP_BLOCK_BYTES / Float.BYTES);
    }

    /** {@link #linear} converting at most {@code floats} of the weight at a time. */
    NDArray linear(NDArray x, NDArray bias, long floats) {
        long out = q.getShape().get(0);
        long rows = Math.max(1, floats / q.getShape().get(1));
        NDList parts = new NDList();
        for (long from = 0; from < out; from += rows) {
            NDArray block = rows >= out ? q : Ops.inScopeOf(x, q.get(from + ":" + Math.min(out, from + rows)));
            NDArray w = Ops.inScopeOf(x, block.toType(DataType.FLOAT32, false)); // [rows, in]
            parts.add(Ops.linear(x, w, null)); // [.., rows]
            w.close(); // freed now, or when the backward pass that saved it is done
        }
        NDArray y = (parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, -1)).mul(scale); // [.., out]
        return bias == null ? y : y.add(bias);
    }

    public void close() {
        q.close();
        scale.close();
    }
}
