package org.finetune4j.tensor;

import org.bytedeco.pytorch.global.torch;
import org.finetune4j.Finetune4jException;

/**
 * libtorch's intra-op thread count: {@code --threads} (the property {@code finetune4j.threads}), else
 * the environment's {@code FINETUNE4J_THREADS}, else one per core, which training narrows to one where
 * its batches are small ({@link #fitTo}). Inter-op parallelism is off (one thread): every op runs on the
 * calling thread and its OpenMP team. OpenBLAS, which multiplies float32, keeps the configured count
 * (not narrowed) while OpenMP's workers sleep ({@link Gemm#blasThreads}).
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
     * Linear products (multiply-adds) under which a training batch runs on one thread: 2^26. The ops of batches
     * that small gain less from a second thread than waking it costs (docs/BENCHMARKS.md): packed SST-2 batches of
     * BERT-tiny (largest product 25-38M: up to about 8 rows of 64 tokens) took 24 ms a step on one thread and
     * 30-32 ms on two in float32, 27 and 44-49 ms under bfloat16 autocast. Two threads won from 110M on (packed
     * Alpaca batches of stories260K, rows of 512 tokens: 12% more tokens/s; batches of 32 x 128 tokens, 268M:
     * 124-132 against 140-147 ms) and lost at 85M (padded SST-2 batches: 54-57 against 47-50 ms) while OpenBLAS
     * had one thread; with OpenBLAS on libtorch's threads those padded batches take 38 ms on two against 43 on one,
     * and packed ones 23 on one against 26 on two.
     */
    static final long SMALL_PRODUCT = 1L << 26;

    /**
     * Sets the thread count for the batches that follow, running {@code probe} (a forward pass over one like
     * them) when no count was given: one thread when every linear product of the probe, on the CPU, was under
     * {@link #SMALL_PRODUCT}, else the configured count. Returns the count now in use. OpenBLAS keeps the
     * configured count: its workers wait for the next product briefly (the launcher's
     * {@code OPENBLAS_THREAD_TIMEOUT}) instead of being woken for every small op, so a packed SST-2 step of
     * BERT-tiny took 21.4-21.7 ms with its float32 products on two threads against 23.6 ms on one.
     */
    public static int fitTo(Runnable probe) {
        Native.init();
        boolean given = given() != null;
        int n = fitting(given ? Long.MAX_VALUE : Gemm.largestSince(probe), given, configured());
        apply(n);
        return n;
    }

    /** {@link #fitTo}'s choice for a probe whose largest linear product was {@code largest} multiply-adds. */
    static int fitting(long largest, boolean given, int configured) {
        return !given && largest < SMALL_PRODUCT ? 1 : configured;
    }

    /** The count given, or one per core ({@link #fitTo} may use fewer). */
    public static int configuredCount() {
        Native.init();
        return configured();
    }

    /** Back to the configured count (after {@link #fitTo}). */
    public static void reset() {
        Native.init();
        apply(configured());
    }

    /** Sets the count now (before the first op for the same effect as at start-up); n >= 1. */
    public static void set(int n) {
        if (n < 1) {
            throw new Finetune4jException("--threads must be at least 1, got " + n);
        }
        System.setProperty(PROPERTY, Integer.toString(n));
        Native.init();
        apply(n);
    }

    /** libtorch's count, and OpenBLAS's the configured one where it may ({@link Gemm#blasThreads}). */
    static void apply(int n) {
        torch.set_num_threads(n);
        Gemm.blasThreads(configured());
    }

    /** The intra-op thread count libtorch uses. */
    public static int get() {
        Native.init();
        return torch.get_num_threads();
    }
}
