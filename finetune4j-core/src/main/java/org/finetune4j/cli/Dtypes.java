package org.finetune4j.cli;

import org.finetune4j.Finetune4jException;
import org.finetune4j.tensor.DType;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** The {@code --dtype} option's values. */
final class Dtypes {

    private Dtypes() {}

    /** A floating dtype as torch names it (float32, bfloat16, float16); a usage error otherwise. */
    static DType parse(CommandSpec spec, String name) {
        try {
            return DType.parseTorch(name, "--dtype");
        } catch (Finetune4jException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
