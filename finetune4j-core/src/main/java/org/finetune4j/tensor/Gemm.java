package org.finetune4j.tensor;

import org.bytedeco.javacpp.Loader;

/**
 * Where float32 matrix products run. libtorch's CPU build here multiplies float32 with OpenBLAS,
 * whose own pthread pool fights libtorch's OpenMP team: batched products (attention) call it from
 * inside OpenMP loops, and on two cores a 96-matrix bmm took 35-930 ms instead of 4 ms. OpenBLAS is
 * therefore held to one thread, and float32 linear layers large enough go to oneDNN, which runs on
 * libtorch's OpenMP threads (as bfloat16 products under autocast always do).
 */
final class Gemm {

    /**
     * Multiply-adds from which a float32 linear layer runs in oneDNN (below, the per-call conversions cost
     * more); the property finetune4j.onednn.macs changes it (-1: never), for measurements.
     */
    static final long ONEDNN_MACS = Long.getLong("finetune4j.onednn.macs", 1L << 20);

    private Gemm() {}

    /** Holds OpenBLAS to the calling thread (the library libtorch links, loaded through its presets). */
    static void singleThreadedBlas() {
        Loader.load(org.bytedeco.openblas.global.openblas.class);
        org.bytedeco.openblas.presets.openblas.blas_set_num_threads(1);
    }

    /** Whether {@code x W^T + b} runs in oneDNN: float32 throughout, on the CPU, outside autocast, and big enough. */
    static boolean oneDnn(Tensor x, Tensor w, Tensor b) {
        if (x.dtype() != DType.F32 || w.dtype() != DType.F32 || (b != null && b.dtype() != DType.F32)
                || w.dim() != 2 || x.dim() < 2 || !Device.CPU.equals(x.device()) || Autocast.current() != null) {
            return false;
        }
        long rows = x.numel() / Math.max(1, x.size(-1));
        return rows * w.size(0) * w.size(1) >= ONEDNN_MACS;
    }
}
