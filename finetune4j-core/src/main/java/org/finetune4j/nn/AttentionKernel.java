package org.finetune4j.nn;

import org.finetune4j.tensor.Tensor;

/**
 * Which attention kernel runs: libtorch's fused scaled_dot_product_attention only where it was
 * measured faster than the eager path for the dtype and shape (docs/BENCHMARKS.md), else eager.
 */
public final class AttentionKernel {

    private AttentionKernel() {}

    /** Whether q [B, H, T, D] against k [B, Hkv, S, D] runs fused. */
    static boolean fused(Tensor q, Tensor k) {
        return false;
    }
}
