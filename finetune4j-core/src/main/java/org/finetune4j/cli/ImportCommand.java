package org.finetune4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.finetune4j.convert.ImportResult;
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

    /** Runs {@code importer} and prints its summary and the time it took; checks {@code --heads} first. */
    static int run(CommandSpec spec, Integer heads, Path out, Supplier<ImportResult> importer) {
        if (heads != null && heads < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--heads must be at least 1");
        }
        long t0 = System.nanoTime();
        ImportResult r = importer.get();
        PrintWriter w = spec.commandLine().getOut();
        r.lines().forEach(w::println);
        w.printf("wrote %s in %.1f s%n", out, (System.nanoTime() - t0) / 1e9);
        w.flush();
        return 0;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name what to import: tf-checkpoint or onnx");
    }
}
