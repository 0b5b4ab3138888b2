package org.finetune4j.cli;

import picocli.CommandLine.Option;

/** The {@code --threads} option the compute commands share (a picocli mixin); apply before the engine starts. */
final class Threads {

    @Option(names = "--threads", paramLabel = "N", description = "libtorch threads (default: the launcher's, one per core).")
    Integer threads;

    /** Sets libtorch's intra-op thread count when the option was given. */
    void apply() {
        if (threads != null) {
            if (threads < 1) {
                throw new org.finetune4j.Finetune4jException("--threads must be at least 1, got " + threads);
            }
            System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }
}
