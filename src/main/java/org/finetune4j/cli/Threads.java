package org.finetune4j.cli;

/** Sets libtorch's intra-op thread count; must run before the engine starts. */
final class Threads {

    private Threads() {}

    static void set(Integer threads) {
        if (threads != null) {
            if (threads < 1) {
                throw new org.finetune4j.Finetune4jException("--threads must be at least 1, got " + threads);
            }
            System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }
}
