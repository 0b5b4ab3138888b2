package org.finetune4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code finetune4j import}: models saved by other frameworks, written as Hugging Face folders. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Convert a model saved by another framework into a Hugging Face model folder, in pure Java.",
                "tf-checkpoint: a TensorFlow BERT checkpoint (Google's release, a SavedModel, or the jar holding one);",
                "onnx: a BERT-family encoder exported to ONNX (or the jar holding the .onnx and its tokenizer.json)."},
        subcommands = {ImportTfCheckpointCommand.class, ImportOnnxCommand.class})
public final class ImportCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name what to import: tf-checkpoint or onnx");
    }
}
