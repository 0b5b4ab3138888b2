package org.finetune4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.finetune4j.tensor.Scope;
import org.finetune4j.viz.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code finetune4j report OUTPUT_DIR}: rebuilds a run's self-contained report.html. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Rebuild OUTPUT_DIR/report.html from what a training run left there (train writes it too).",
                "One self-contained page: recipe, model summary, curves, final metrics, confusion matrix,",
                "attention before and after training, and forgetting.json's table when present."})
public final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OUTPUT_DIR", description = "A training output folder.")
    Path run;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws IOException {
        threads.apply();
        try (Scope scope = Scope.open()) {
            spec.commandLine().getOut().println("wrote " + Report.write(run));
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
