package org.finetune4j.train;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.finetune4j.data.Batch;
import org.finetune4j.nn.Forward;
import org.finetune4j.recipe.Recipe;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** data.max_tokens_per_batch: batches of a token budget train, resume exactly and weigh their losses by their labels. */
class TokenBudgetTrainingTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream console = new PrintStream(printed, true);

    /** Runs a recipe; the listener sees every step's loss. */
    private void run(Path recipe, List<Double> losses, Trainer.StepListener extra, String... overrides) throws IOException {
        Recipe r = Recipe.load(recipe, List.of(overrides));
        try (Scope scope = Scope.open()) {
            Trainer.Job job = r.job(console);
            try (RunLock lock = Runs.prepare(r.training(), console)) {
                new Trainer(job, console).onStep((step, loss) -> {
                    losses.add(loss);
                    extra.afterStep(step, loss);
                }).train();
            }
        }
    }

    private Path recipe(String... training) throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 40, 1);
        List<String> lines = new ArrayList<>(List.of(training));
        Path recipe = TrainerFixture.recipe(dir, train, null, lines.toArray(String[]::new));
        java.nio.file.Files.writeString(recipe, java.nio.file.Files.readString(recipe)
                .replace("  max_length: 16\n", "  max_length: 16\n  max_tokens_per_batch: 40\n"));
        return recipe;
    }

    @Test
    void aResumedBudgetRunRepeatsTheUninterruptedLossesExactly() throws IOException {
        Path recipe = recipe("num_train_epochs: 3", "save_steps: 7", "warmup_steps: 2");
        List<Double> full = new ArrayList<>();
        run(recipe, full, (s, l) -> {}, "training.output_dir=" + dir.resolve("a"));
        String header = printed.toString().lines().filter(l -> l.startsWith("training: ")).findFirst().orElseThrow();
        assertThat(header).contains(" examples; 40 tokens a batch, ").contains(" batches an epoch; ");
        int perEpoch = Integer.parseInt(header.replaceAll(".* a batch, (\\d+) batches an epoch.*", "$1"));
        assertThat(full).hasSize(3 * perEpoch); // every epoch the same number of batches
        assertThat(perEpoch).isGreaterThan(6); // 40 sentences of 5 to 12 tokens: about 3 to 6 a batch

        List<Double> first = new ArrayList<>();
        assertThatThrownBy(() -> run(recipe, first, (s, l) -> {
            if (s == perEpoch + 9) {
                throw new TrainerTest.Crash(); // in the second epoch, after checkpoint-(perEpoch + 7)
            }
        }, "training.output_dir=" + dir.resolve("b"))).isInstanceOf(TrainerTest.Crash.class);
        int saved = Checkpoints.step(Checkpoints.list(dir.resolve("b")).get(Checkpoints.list(dir.resolve("b")).size() - 1));
        assertThat(saved).isGreaterThan(perEpoch);
        List<Double> rest = new ArrayList<>();
        run(recipe, rest, (s, l) -> {}, "training.output_dir=" + dir.resolve("b"), "training.resume_from_checkpoint=true");
        assertThat(first).isEqualTo(full.subList(0, first.size()));
        assertThat(rest).isEqualTo(full.subList(saved, full.size()));
    }

    @Test
    void resumingWithAnotherBudgetIsRefused() throws IOException {
        Path recipe = recipe("max_steps: 2", "save_steps: 2");
        run(recipe, new ArrayList<>(), (s, l) -> {}, "training.output_dir=" + dir.resolve("a"));
        assertThatThrownBy(() -> run(recipe, new ArrayList<>(), (s, l) -> {}, "training.output_dir=" + dir.resolve("a"),
                "training.resume_from_checkpoint=true", "data.max_tokens_per_batch=60"))
                .hasMessageContaining("data.max_tokens_per_batch 40").hasMessageContaining("this run has 60");
    }

    /**
     * A step over micro-batches of different numbers of examples (gradient accumulation 2) reports the mean loss
     * over all their labels: the loss of the same examples as one batch, not the mean of the two batches' means.
     */
    @Test
    void aStepOfUnequalBatchesWeighsEachByItsLabels() throws IOException {
        Path recipe = recipe("max_steps: 1", "save_strategy: 'no'", "gradient_accumulation_steps: 2");
        Recipe r = Recipe.load(recipe, List.of("training.output_dir=" + dir.resolve("one")));
        double oneBatch;
        double[] means = new double[2];
        List<int[]> plan;
        try (Scope scope = Scope.open()) {
            Trainer.Job job = r.job(console);
            plan = job.sampler().batches(0).subList(0, 2);
            assertThat(plan.get(0).length).isNotEqualTo(plan.get(1).length);
            int[] both = IntStream.concat(Arrays.stream(plan.get(0)), Arrays.stream(plan.get(1))).toArray();
            oneBatch = loss(job, both);
            means[0] = loss(job, plan.get(0));
            means[1] = loss(job, plan.get(1));
        }
        List<Double> losses = new ArrayList<>();
        run(recipe, losses, (s, l) -> {}, "training.output_dir=" + dir.resolve("one"));
        assertThat(losses.get(0)).isCloseTo(oneBatch, within(1e-6));
        assertThat(Math.abs(oneBatch - (means[0] + means[1]) / 2)).as("the batches' means differ enough to tell").isGreaterThan(1e-4);
    }

    private static double loss(Trainer.Job job, int[] indices) {
        try (Scope scope = Scope.open(); Autograd.Guard g = Autograd.noGrad()) {
            Batch b = job.train().batch(indices, job.padId(), 0);
            return job.model().forward(Batches.inputs(b, job.model().config.tokenTypes()), Forward.eval()).loss().item();
        }
    }
}
