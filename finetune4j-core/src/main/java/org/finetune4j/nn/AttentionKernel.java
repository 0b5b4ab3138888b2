package org.finetune4j.nn;

import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Device;
import org.finetune4j.tensor.Tensor;

/**
 * Which attention kernel runs: libtorch's fused scaled_dot_product_attention only where it was
 * measured faster than the eager path (scripts/attention-kernels.sh, docs/BENCHMARKS.md): float32
 * decoding steps (one query position, no autograd), at about half the eager path's time. Everywhere
 * else the eager path: in bfloat16 this build's fused kernel took 1.2-2 times the eager CPU time in
 * training and up to 100 times in inference, and in float32 training and full-sequence inference the
 * two did the same work. On a GPU the fused kernel always runs (flash attention where there is no mask
 * bias, memory-efficient attention with one), as Transformers' default sdpa attention does there.
 */
final class AttentionKernel {

    private AttentionKernel() {}

    /** Whether q [B, H, T, D] against k [B, Hkv, S, D] runs fused: always on a GPU (flash or memory-efficient kernels). */
    static boolean fused(Tensor q, Tensor k) {
        return q.device().kind() == Device.Kind.CUDA || q.dtype() == DType.F32 && q.size(2) == 1 && !Autograd.enabled();
    }
}
