package org.finetune4j.cli;

import java.util.concurrent.Callable;
import org.finetune4j.tensor.Autograd;
import picocli.CommandLine.Mixin;

/**
 * The options every command that runs a model folder shares (a picocli mixin): the Hub's {@code --offline},
 * {@code --bf16} and {@code --threads}, and the order they take effect in ({@link #run}).
 */
final class RunOptions {

    @Mixin
    HubOptions hub;

    @Mixin
    PrecisionOption precision;

    @Mixin
    ThreadsOption threads;

    /** Runs {@code body} under --bf16's autocast with --threads applied. */
    <T> T run(Callable<T> body) throws Exception {
        try (Autograd.Guard cast = precision.enter()) {
            threads.apply();
            return body.call();
        }
    }
}
