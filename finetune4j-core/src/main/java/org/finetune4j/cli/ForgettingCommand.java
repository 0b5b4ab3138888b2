package org.finetune4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.finetune4j.Finetune4jException;
import org.finetune4j.eval.Forgetting;
import org.finetune4j.tensor.Scope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code finetune4j forgetting}: general-domain LM loss and task metrics of a model before and after training. */
@Command(name = "forgetting", mixinStandardHelpOptions = true,
        description = {"Measure forgetting: the general-domain LM loss and task metrics of a model before and after.",
                "The language-model loss and perplexity of two model folders (masked LM for encoders, causal LM for decoders)",
                "and their task metrics, as a before / after / change table.",
                "A folder without an LM head (a classifier) borrows the head of --before; one without a classifier gets no task numbers."})
public final class ForgettingCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--before", required = true, paramLabel = "DIR", description = "The model before the training.")
    Path before;

    @Option(names = "--after", required = true, paramLabel = "DIR", description = "The model after the training.")
    Path after;

    @Option(names = "--general", required = true, paramLabel = "FILE",
            description = "General-domain text: a .txt file or folder, or the text column of a .jsonl/.json/.csv/.tsv file.")
    Path general;

    @Option(names = "--task", paramLabel = "FILE", description = "Labelled task data to evaluate both classifiers on (repeatable).")
    List<Path> tasks = new ArrayList<>();

    @Option(names = "--block-size", defaultValue = "128", paramLabel = "N", description = "Tokens per block of general text (default 128).")
    int blockSize;

    @Option(names = "--max-blocks", defaultValue = "0", paramLabel = "N", description = "Use only the first N blocks (default 0: all).")
    int maxBlocks;

    @Option(names = "--text-column", defaultValue = "text", description = "Text column of a table file of general text (default text).")
    String textColumn;

    @Option(names = "--task-text-column", defaultValue = "text", description = "Text column of the task files (default text).")
    String taskTextColumn;

    @Option(names = "--task-label-column", defaultValue = "label", description = "Label column of the task files (default label).")
    String taskLabelColumn;

    @Option(names = "--batch-size", defaultValue = "32", description = "Evaluation batch size (default 32).")
    int batchSize;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the evaluation masking (default 42).")
    long seed;

    @Option(names = "--json", description = "Print the report as JSON (the format of forgetting.json).")
    boolean json;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() {
        threads.apply();
        if (blockSize < 2 || maxBlocks < 0 || batchSize < 1) {
            throw new Finetune4jException("--block-size must be at least 2, --max-blocks 0 or more, --batch-size at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Scope scope = Scope.open()) {
            Forgetting.Report r = Forgetting.run(before, after, general, tasks, new Forgetting.Options(blockSize, maxBlocks,
                    textColumn, taskTextColumn, taskLabelColumn, batchSize, seed));
            out.print(json ? Json.pretty(r.toJson()) + "\n" : r.table());
        }
        out.flush();
        return 0;
    }
}
