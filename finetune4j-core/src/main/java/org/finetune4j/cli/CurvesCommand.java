package org.finetune4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.finetune4j.Finetune4jException;
import org.finetune4j.viz.Curves;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code finetune4j curves OUTPUT_DIR}: loss, metric and learning-rate curves of a run as PNG and SVG. */
@Command(name = "curves", mixinStandardHelpOptions = true,
        description = {"Plot a run's training and evaluation loss, evaluation metrics and learning rate from its metrics.jsonl.",
                "Writes curves_loss, curves_metrics and curves_learning_rate as .png and .svg (charts without points are skipped)."})
public final class CurvesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OUTPUT_DIR", description = "A training output folder (holding metrics.jsonl).")
    Path run;

    @Option(names = "--out", paramLabel = "DIR", description = "Where to write the images (default: OUTPUT_DIR).")
    Path out;

    @Override
    public Integer call() throws IOException {
        Path log = run.resolve("metrics.jsonl");
        if (!Files.isRegularFile(log)) {
            throw new Finetune4jException(run + ": no metrics.jsonl (not a training output folder?)");
        }
        List<Curves.Chart> charts = Curves.charts(Curves.read(log));
        if (charts.isEmpty()) {
            throw new Finetune4jException(log + ": no logged steps to plot");
        }
        List<Path> files = Curves.write(charts, out != null ? out : run);
        files.forEach(f -> spec.commandLine().getOut().println("wrote " + f));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
