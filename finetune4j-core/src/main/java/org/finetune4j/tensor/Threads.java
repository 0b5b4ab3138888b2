package org.finetune4j.tensor;

import org.bytedeco.pytorch.global.torch;
import org.finetune4j.Finetune4jException;

/**
 * libtorch's intra-op thread count: {@code --threads} (the property {@code finetune4j.threads}), else
 * the environment's {@code FINETUNE4J_THREADS}, else one per core. Inter-op parallelism is off (one
 * thread): every op runs on the calling thread and its OpenMP team.
 */
public final class Threads {

    /** The system property the CLI's {@code --threads} sets. */
    public static final String PROPERTY = "finetune4j.threads";

    private Threads() {}

    /** The configured count, at least 1. */
    static int configured() {
        String v = System.getProperty(PROPERTY);
        String where = "--threads";
        if (v == null) {
            v = System.getenv("FINETUNE4J_THREADS");
            where = "FINETUNE4J_THREADS";
        }
        if (v == null || v.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
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
