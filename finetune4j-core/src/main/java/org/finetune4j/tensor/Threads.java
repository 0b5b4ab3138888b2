package org.finetune4j.tensor;

import org.bytedeco.pytorch.global.torch;
import org.finetune4j.Finetune4jException;

/**
 * libtorch's intra-op thread count: {@code --threads} (the property {@code finetune4j.threads}), else
 * the environment's {@code FINETUNE4J_THREADS}, else one per core, which training narrows to one where
 * its batches are small ({@link #fitTo}). Inter-op parallelism is off (one thread): every op runs on the
 * calling thread and its OpenMP team.
 */
public final class Threads {

    /** The system property the CLI's {@code --threads} sets. */
    public static final String PROPERTY = "finetune4j.threads";

    private Threads() {}

    /** The configured count, at least 1. */
    static int configured() {
        String v = given();
        if (v == null) {
            return Runtime.getRuntime().availableProcessors();
        }
        String where = System.getProperty(PROPERTY) != null ? "--threads" : "FINETUNE4J_THREADS";
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the error
        }
        throw new Finetune4jException(where + " must be a whole number of at least 1, got '" + v + "'");
    }

    /** {@code --threads} or {@code FINETUNE4J_THREADS} as given, or null when neither says a count. */
    private static String given() {
        String v = System.getProperty(PROPERTY);
        if (v == null) {
            v = System.getenv("FINETUNE4J_THREADS");
        }
        return v == null || v.isBlank() ? null : v;
    }

    /**
     * Sets the thread count for the batches that follow, running {@code probe} (a forward pass over one like
     * them) when no count was given: one thread when every linear product of the probe, on the CPU, was below
     * {@link Gemm#ONEDNN_MACS} (in float32 such products run on one OpenBLAS thread anyway), else the configured
     * count. The ops of batches that small gain less from a second thread than waking it costs: a packed SST-2
     * step of BERT-tiny (about 450 tokens) took 24 ms on one thread and 30-32 ms on two in float32, 27 ms and
     * 44-49 ms under bfloat16 autocast (docs/BENCHMARKS.md). Returns the count now in use.
     */
    public static int fitTo(Runnable probe) {
        Native.init();
        boolean given = given() != null;
        int n = fitting(given ? Long.MAX_VALUE : Gemm.largestSince(probe), given, configured());
        torch.set_num_threads(n);
        return n;
    }

    /** {@link #fitTo}'s choice for a probe whose largest linear product was {@code largest} multiply-adds. */
    static int fitting(long largest, boolean given, int configured) {
        return !given && Gemm.ONEDNN_MACS >= 0 && largest < Gemm.ONEDNN_MACS ? 1 : configured;
    }

    /** The count given, or one per core ({@link #fitTo} may use fewer). */
    public static int configuredCount() {
        Native.init();
        return configured();
    }

    /** Back to the configured count (after {@link #fitTo}). */
    public static void reset() {
        Native.init();
        torch.set_num_threads(configured());
    }

    /** Sets the count now (before the first op for the same effect as at start-up); n >= 1. */
    public static void set(int n) {
        if (n < 1) {
            throw new Finetune4jException("--threads must be at least 1, got " + n);
        }
        System.setProperty(PROPERTY, Integer.toString(n));
        Native.init();
        torch.set_num_threads(n);
    }

    /** The intra-op thread count libtorch uses. */
    public static int get() {
        Native.init();
        return torch.get_num_threads();
    }
}
