package org.finetune4j.cli;

import java.util.concurrent.Callable;
import org.finetune4j.tensor.Autograd;
import picocli.CommandLine.Mixin;

/**
 * The options every command that runs a model folder shares (a picocli mixin): the Hub's {@code --offline},
 * {@code --bf16}, {@code --threads} and {@code --device}, and the order they take effect in ({@link #run}).
 */
final class RunOptions {

    @Mixin
    HubOptions hub;

    @Mixin
    PrecisionOption precision;

    @Mixin
    ThreadsOption threads;

    @Mixin
    DeviceOption device;

    /** Runs {@code body} on --device, under --bf16's autocast for that device, with --threads applied. */
    <T> T run(Callable<T> body) throws Exception {
        device.apply();
        try (Autograd.Guard cast = precision.enter()) {
            threads.apply();
            return body.call();
        }
    }
}
