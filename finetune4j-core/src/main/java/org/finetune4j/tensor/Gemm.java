package org.finetune4j.tensor;

import org.bytedeco.javacpp.Loader;

/**
 * Where float32 matrix products run. libtorch's CPU build here multiplies float32 with OpenBLAS, which
 * keeps a pthread pool of its own beside libtorch's OpenMP team. While OpenMP's workers sleep between
 * ops ({@code OMP_WAIT_POLICY=PASSIVE}, the launcher's default) the two pools take turns, and OpenBLAS
 * gets the configured thread count: every float32 product runs there. With spinning OpenMP workers
 * (libgomp's default) they fight for the cores (a BERT-base training step took 5.8 s against 3.5 s),
 * so OpenBLAS is held to the calling thread and float32 linear layers large enough go to oneDNN, which
 * runs on libtorch's OpenMP threads (as bfloat16 products under autocast always do).
 */
final class Gemm {

    /**
     * Whether OpenMP's workers sleep between ops: {@code OMP_WAIT_POLICY=PASSIVE} in the environment
     * (libgomp reads it when loaded). Not final, for the test of the oneDNN path.
     */
    static boolean sleepingWorkers = "passive".equalsIgnoreCase(String.valueOf(System.getenv("OMP_WAIT_POLICY")).trim());

    /**
     * Multiply-adds from which a float32 linear layer runs in oneDNN while OpenBLAS is held to one thread
     * (below, the per-call conversions cost more than its two threads gain): 2^25. BERT-tiny's layers on
     * packed SST-2 batches (about 450 rows, 2.1M-29M multiply-adds) took 75-90 ms a training step in oneDNN
     * from 2^20 on, 40 ms on one OpenBLAS thread (bench --recipe examples/sst2-bert-tiny.yaml, shared 2-core
     * machine). The property finetune4j.onednn.macs changes it (-1: never), for measurements.
     */
    static final long ONEDNN_MACS = Long.getLong("finetune4j.onednn.macs", 1L << 25);

    private Gemm() {}

    /**
     * Gives OpenBLAS (the library libtorch links, loaded through its presets) {@code threads} while OpenMP's
     * workers sleep, else holds it to the calling thread.
     */
    static void blasThreads(int threads) {
        Loader.load(org.bytedeco.openblas.global.openblas.class);
        org.bytedeco.openblas.presets.openblas.blas_set_num_threads(sleepingWorkers ? threads : 1);
    }

    /**
     * The largest linear product {@link #largestSince}'s work made, in multiply-adds, in any dtype on the CPU;
     * {@code Long.MAX_VALUE} once one ran on a GPU. Counted only while {@code counting} (for {@link Threads#fitTo}).
     */
    private static long largest;
    private static boolean counting;

    /** Runs {@code work} and returns the largest linear product it made, as {@link #largest} counts it. */
    static long largestSince(Runnable work) {
        largest = 0;
        counting = true;
        try {
            work.run();
        } finally {
            counting = false;
        }
        return largest;
    }

    /**
     * Whether {@code x W^T + b} runs in oneDNN: float32 throughout, on the CPU, outside autocast, big enough,
     * and OpenBLAS held to one thread (spinning OpenMP workers).
     * While {@link #largestSince} counts, every product asked about counts towards {@link #largest}.
     */
    static boolean oneDnn(Tensor x, Tensor w, Tensor b) {
        if (counting) {
            largest = Math.max(largest, macs(x, w));
        }
        if (sleepingWorkers || ONEDNN_MACS < 0 || Autocast.current() != null || x.dtype() != DType.F32
                || w.dtype() != DType.F32 || b != null && b.dtype() != DType.F32) {
            return false; // with sleeping workers every float32 product runs in OpenBLAS: no lookups on the forward pass
        }
        long macs = macs(x, w);
        return macs != Long.MAX_VALUE && macs >= ONEDNN_MACS;
    }

    /** The multiply-adds of {@code x W^T} on the CPU; {@code Long.MAX_VALUE} elsewhere (a GPU's products all count as large). */
    private static long macs(Tensor x, Tensor w) {
        boolean cpu = w.dim() == 2 && x.dim() >= 2 && Device.CPU.equals(x.device());
        return cpu ? x.numel() / Math.max(1, x.size(-1)) * w.size(0) * w.size(1) : Long.MAX_VALUE;
    }
}
