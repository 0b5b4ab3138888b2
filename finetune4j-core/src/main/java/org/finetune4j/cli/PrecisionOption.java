package org.finetune4j.cli;

import org.finetune4j.tensor.Autocast;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import picocli.CommandLine.Option;

/** The {@code --bf16} option the compute commands share (a picocli mixin). */
final class PrecisionOption {

    @Option(names = "--bf16", description = "Mixed precision: run the model under autocast to bfloat16 on its device (matmuls in bfloat16; "
            + "softmax, norms and losses in float32; the weights as held), as Transformers with bf16=True.")
    boolean bf16;

    /** bfloat16 with --bf16, else null (float32). */
    DType autocast() {
        return bf16 ? DType.BF16 : null;
    }

    /** Autocast as asked, on this thread until the guard closes. */
    Autograd.Guard enter() {
        return Autocast.of(autocast());
    }
}
