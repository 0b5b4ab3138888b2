package org.finetune4j.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.finetune4j.recipe.Jobs;
import org.finetune4j.recipe.Recipe;
import org.finetune4j.train.Runs;
import org.finetune4j.train.Trainer;
import org.finetune4j.viz.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code finetune4j train RECIPE.yaml [dotted.key=value ...]}. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Fine-tune a model as a YAML recipe says (model, task, data, training).",
                "Overrides such as training.learning_rate=1e-4 change the recipe for this run.",
                "The final model lands in training.output_dir with eval_results.json; metrics.jsonl logs every event.",
                "report.html there shows the recipe, curves, metrics, confusion matrix and attention before and after."})
public final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RECIPE.yaml", description = "The recipe (see examples/).")
    Path recipe;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "Overrides, e.g. training.seed=2.")
    List<String> overrides = new ArrayList<>();

    @Mixin
    Threads threads;

    @Override
    public Integer call() throws IOException {
        threads.apply();
        Recipe r = Recipe.load(recipe, overrides);
        run(r, recipeText(), System.out);
        return 0;
    }

    /** Trains as the recipe says, then writes report.html; returns the final metrics. */
    static Map<String, Double> run(Recipe r, String recipeText, java.io.PrintStream console) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Trainer.Job job = Jobs.sequenceClassification(r, manager, console);
            Runs.prepare(r.training());
            Path out = r.training().outputDir();
            Report.captureStart(out, recipeText, job.model(), job.tokenizerDir(), job.eval() != null ? job.eval() : job.train(),
                    r.training().resumeFromCheckpoint() != null, manager);
            Map<String, Double> results = new Trainer(job, manager, console).train();
            console.println("final metrics (" + out.resolve("eval_results.json") + "):");
            results.forEach((k, v) -> console.printf("  %-28s %s%n", k, v));
            console.println("report: " + Report.write(out, manager));
            return results;
        }
    }

    /** The recipe as written, with this run's overrides noted at the end. */
    private String recipeText() throws IOException {
        String text = java.nio.file.Files.readString(recipe);
        return overrides.isEmpty() ? text : text + "\n# overrides of this run: " + String.join(" ", overrides) + "\n";
    }
}
