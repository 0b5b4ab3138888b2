package org.finetune4j.nn;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.F;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * A frozen linear weight held as int8 with one absmax scale per output channel (LLM.int8()'s
 * weight format, as bitsandbytes' Linear8bitLt stores it): w[o, i] ~ q[o, i] * scale[o], where
 * q = round(127 w / absmax(w[o, :])) and scale = absmax / 127 (a zero row keeps scale 0). The
 * forward pass converts q to float32 for that one call and computes in float32, so only the layer
 * at hand exists in float. Unlike bitsandbytes, activations are not quantized (no int8 matmul, no
 * outlier decomposition): the only error is the weights' rounding. q and scale live outside every
 * scope ({@link Tensor#persist}).
 *
 * @param q          INT8 [out, in]
 * @param scale      FLOAT32 [out]
 * @param transposed whether the parameter is stored [in, out] (GPT-2's Conv1D), so q holds its transpose
 */
public record Int8Weight(Tensor q, Tensor scale, boolean transposed) {

    /**
     * Rows quantized together: temporaries of at most this many floats (1 MiB). glibc serves such
     * blocks again and again from the same free list, whereas whole-weight temporaries (16-64 MiB for
     * a 1.3B model) end up scattered over a heap it never gives back, which doubled the 8-bit peak.
     */
    static final long CHUNK = 1 << 18;

    /** Quantizes w ([out, in], or [in, out] when {@code transposed}; any float dtype). */
    public static Int8Weight quantize(Tensor w, boolean transposed) {
        try (Scope tmp = Scope.open()) {
            Tensor v = w.detach();
            if (transposed) {
                v = v.t(); // [out, in]
            }
            long out = v.size(0);
            long rows = Math.max(1, CHUNK / Math.max(1, v.size(1)));
            List<Tensor> qs = new ArrayList<>();
            List<Tensor> absmaxes = new ArrayList<>();
            for (long from = 0; from < out; from += rows) {
                try (Scope chunk = Scope.open()) {
                    Tensor part = v.narrow(0, from, Math.min(rows, out - from)).to(DType.F32); // [rows, in]
                    Tensor absmax = part.abs().amax(1, true); // [rows, 1]
                    Tensor factor = absmax.clampMin(Float.MIN_NORMAL).pow(-1).mul(127);
                    qs.add(chunk.keep(part.mul(factor).round().clamp(-127, 127).to(DType.I8)));
                    absmaxes.add(chunk.keep(absmax));
                }
            }
            Tensor q = qs.size() == 1 ? qs.get(0) : Torch.cat(qs, 0); // [out, in]
            Tensor scale = (absmaxes.size() == 1 ? absmaxes.get(0) : Torch.cat(absmaxes, 0)).reshape(-1).div(127);
            return new Int8Weight(q.contiguous().persist(), scale.contiguous().persist(), transposed);
        }
    }

    public long numel() {
        return q.numel();
    }

    /** The float32 weight in its parameter's layout (a temporary in the current scope). */
    public Tensor dequantize() {
        Tensor w = q.to(DType.F32).mul(scale.reshape(-1, 1)); // [out, in]
        return transposed ? w.t() : w;
    }

    /**
     * x [.., in] -> x W^T + b [.., out], W = q * scale: q converted to float32 for this call only, in
     * blocks of output rows of at most {@link Scope#HEAP_BLOCK_BYTES} (not a fresh 64 MiB array mapped
     * and faulted in for every MLP weight of a 1.3B model on every pass), and the scale applied to the
     * output (smaller than the weight at these batch sizes).
     */
    public Tensor linear(Tensor x, Tensor bias) {
        return linear(x, bias, Scope.HEAP_BLOCK_BYTES / Float.BYTES);
    }

    /** {@link #linear} converting at most {@code floats} of the weight at a time. */
    Tensor linear(Tensor x, Tensor bias, long floats) {
        long out = q.size(0);
        long rows = Math.max(1, floats / q.size(1));
        List<Tensor> parts = new ArrayList<>();
        for (long from = 0; from < out; from += rows) {
            Tensor block = rows >= out ? q : q.narrow(0, from, Math.min(rows, out - from));
            Tensor w = block.to(DType.F32); // [rows, in]
            parts.add(F.linear(x, w, null)); // [.., rows]
            w.close(); // freed now, or when the backward pass that saved it is done
        }
        Tensor y = (parts.size() == 1 ? parts.get(0) : Torch.cat(parts, -1)).mul(scale); // [.., out]
        return bias == null ? y : y.add(bias);
    }

    public void close() {
        q.close();
        scale.close();
    }
}
