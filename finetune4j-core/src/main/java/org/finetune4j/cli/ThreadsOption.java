package org.finetune4j.cli;

import org.finetune4j.tensor.Threads;
import picocli.CommandLine.Option;

/** The {@code --threads} option the compute commands share (a picocli mixin); apply before the first tensor op. */
final class ThreadsOption {

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads (default: FINETUNE4J_THREADS, else "
            + "one per core; when its batches are small, training runs the ops between matrix products on one).")
    Integer threads;

    /** Sets libtorch's intra-op thread count when the option was given. */
    void apply() {
        if (threads != null) {
            Threads.set(threads);
        }
    }
}
