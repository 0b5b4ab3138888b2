package org.finetune4j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.finetune4j.distributed.DistributedConfig;
import org.finetune4j.distributed.Launcher;
import org.finetune4j.distributed.Rendezvous;
import org.finetune4j.distributed.World;
import org.finetune4j.hub.HubSettings;
import org.finetune4j.io.AtomicFile;
import org.finetune4j.recipe.Recipe;
import org.finetune4j.recipe.RecipeChanges;
import org.finetune4j.tensor.Devices;
import org.finetune4j.tensor.Scope;
import org.finetune4j.train.RunLock;
import org.finetune4j.train.Runs;
import org.finetune4j.train.Trainer;
import org.finetune4j.viz.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code finetune4j train RECIPE.yaml [dotted.key=value ...]}. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Fine-tune a model as a YAML recipe says (model, task, data, training).",
                "Tasks: sequence-classification, token-classification, question-answering, mlm, pretraining, clm, instruction,",
                "multitask. Every key is in docs/RECIPES.md; examples/ has a recipe per task. Paths in a recipe are relative",
                "to its folder. Overrides such as training.learning_rate=1e-4 change the recipe for this run.",
                "The final model lands in training.output_dir with eval_results.json, metrics.jsonl (every event) and",
                "report.html (the recipe, curves, metrics, confusion matrix and attention before and after).",
                "distributed.nproc=N trains on N local processes (data-parallel, gradients summed over Gloo);",
                "distributed.master=HOST:PORT distributed.rank=R distributed.world_size=N joins a group, one command per machine."})
public final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RECIPE.yaml", description = "The recipe (see examples/).")
    Path recipe;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "Overrides, e.g. training.seed=2.")
    List<String> overrides = new ArrayList<>();

    @Mixin
    ThreadsOption threads;

    @Mixin
    HubOptions hub;

    @Override
    public Integer call() throws IOException {
        threads.apply();
        Recipe r = Recipe.load(recipe, overrides);
        DistributedConfig d = r.distributed();
        if (d != null && d.launches()) {
            Launcher.run(Main.class.getName(), workerArgs(), d, System.out, System.err);
            return 0;
        }
        try (World world = d != null && d.joins() ? Rendezvous.join(d, Recipe.digest(recipe, overrides)) : World.SINGLE) {
            PrintStream console = world.main() ? System.out : new PrintStream(OutputStream.nullOutputStream());
            if (r.training().resumeFromCheckpoint() != null) {
                RecipeChanges.since(r.training().outputDir().resolve(Report.RECIPE), recipe, overrides).forEach(console::println);
            }
            AtomicInteger step = new AtomicInteger();
            Thread interrupted = new Thread(() -> System.err.println(interruptedLine(r, step.get())));
            Runtime.getRuntime().addShutdownHook(interrupted); // Ctrl-C: say where the run got to and how to go on
            try {
                run(r, RecipeChanges.noted(java.nio.file.Files.readString(recipe), overrides), hub.settings(), console, world,
                        (s, loss) -> step.set(s));
            } finally {
                Runtime.getRuntime().removeShutdownHook(interrupted);
            }
        }
        return 0;
    }

    /** This command's arguments again, for the local workers of distributed.nproc. */
    private List<String> workerArgs() {
        List<String> args = new ArrayList<>(List.of("train", recipe.toString()));
        args.addAll(overrides);
        if (threads.threads != null) {
            args.addAll(List.of("--threads", threads.threads.toString()));
        }
        if (hub.offline) {
            args.add("--offline");
        }
        return args;
    }

    /** What an interrupted run prints: the step it reached, and the command that goes on from its last checkpoint. */
    private String interruptedLine(Recipe r, int step) {
        Path last = Runs.latestCheckpoint(r.training().outputDir());
        List<String> args = new ArrayList<>(List.of("./finetune4j", "train", recipe.toString()));
        overrides.stream().filter(o -> !o.startsWith("training.resume_from_checkpoint=")).forEach(args::add);
        args.add(last == null ? "training.overwrite_output_dir=true" : "training.resume_from_checkpoint=true");
        String command = String.join(" ", args.stream().map(a -> a.matches("[A-Za-z0-9_./=:@+-]+") ? a : "'" + a + "'").toList());
        return "interrupted at step " + step + "; " + (last == null ? "no checkpoint was saved; start again with: "
                : "the last checkpoint is " + last + "; resume with: ") + command;
    }

    /** Trains as the recipe says, then writes report.html; returns the final metrics. */
    static Map<String, Double> run(Recipe r, String recipeText, HubSettings hub, PrintStream console) throws IOException {
        return run(r, recipeText, hub, console, World.SINGLE, (s, loss) -> {});
    }

    /**
     * Trains as one rank of {@code world}, telling {@code onStep} of every optimizer step; rank 0 alone
     * holds output_dir's lock and writes the report.
     */
    static Map<String, Double> run(Recipe r, String recipeText, HubSettings hub, PrintStream console, World world,
            Trainer.StepListener onStep) throws IOException {
        Devices.use(r.training().device()); // before the model is made: its parameters are made there
        try (Scope scope = Scope.open()) {
            Trainer.Job job = r.job(console, hub);
            r.report().check(job.model().config); // before output_dir is touched
            try (RunLock lock = world.main() ? Runs.prepare(r.training(), console) : null) {
                return train(r, job, recipeText, console, world, onStep);
            }
        }
    }

    /** The run itself: the report's start, the Trainer, the forgetting block, the report (rank 0 alone). */
    private static Map<String, Double> train(Recipe r, Trainer.Job job, String recipeText, PrintStream console, World world,
            Trainer.StepListener onStep) throws IOException {
        Path out = r.training().outputDir();
        if (world.main()) {
            Report.captureStart(out, recipeText, job.model(), job.tokenizerDir(), job.train(),
                    r.report().attention(), r.training().resumeFromCheckpoint() != null);
        }
        DistributedConfig d = r.distributed();
        Trainer trainer = new Trainer(job, console).onStep(onStep)
                .in(world, d == null ? DistributedConfig.DEFAULT_BUCKET_BYTES : d.bucketBytes());
        if (d != null && d.lowCommunication()) {
            trainer.lowCommunication(d.innerSteps(), d.outerLr(), d.outerMomentum());
        }
        Map<String, Double> results = trainer.train();
        if (world.main()) {
            console.println("final metrics (" + out.resolve("eval_results.json") + "):");
            results.forEach((k, v) -> console.printf("  %-28s %s%n", k, v));
            if (r.forgetting() != null) {
                forgetting(r, console);
            }
            console.println("report: " + Report.write(out));
        }
        world.barrier();
        return results;
    }

    /** The recipe's forgetting block: the final model against the one before, into output_dir/forgetting.json. */
    private static void forgetting(Recipe r, PrintStream console) throws IOException {
        org.finetune4j.recipe.ForgettingSpec f = r.forgetting();
        Path out = r.training().outputDir();
        org.finetune4j.eval.Forgetting.Report rep = org.finetune4j.eval.Forgetting.run(f.before(), out, f.general(),
                f.tasks(), f.options());
        console.print("forgetting (" + out.resolve("forgetting.json") + "):\n" + rep.table());
        AtomicFile.writeString(out.resolve("forgetting.json"), Json.pretty(rep.toJson()) + "\n");
    }
}
