package org.finetune4j.recipe;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.Fixtures;
import org.finetune4j.data.LmData;
import org.finetune4j.data.TextSource;
import org.finetune4j.model.Head;
import org.finetune4j.tensor.Scope;
import org.finetune4j.train.RunLock;
import org.finetune4j.train.Runs;
import org.finetune4j.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A task is one class: {@link Lines} below (next-token prediction on the lines of a text file) reads its own
 * {@code data} block and builds its job from the {@link JobContext}; nothing else is written for it.
 */
class NewTaskTest {

    /** {@code task: lines}: each line of {@code train} a row of at most {@code max_length} tokens, a causal-LM head. */
    record Lines(Path train, int maxLength) implements Task.Custom {

        static final Task.Kind KIND = new Task.Kind("lines", d -> new Lines(d.requiredInput("train"), d.integer("max_length", 16)));

        @Override
        public String name() {
            return KIND.name();
        }

        @Override
        public Trainer.Job job(JobContext c) {
            c.checkLength("data.max_length", maxLength);
            LmData rows = LmData.lineByLine(TextSource.texts(c.dataFile(train), "text"), c.tokenizer(), maxLength,
                    LmData.Objective.CLM, null);
            return c.job(c.model(c.config(), Head.CAUSAL_LM), rows, null);
        }
    }

    @TempDir
    Path dir;

    private Path recipe(String... data) throws IOException {
        Files.write(dir.resolve("lines.txt"), List.of("once upon a time", "there was a cat", "the end"));
        List<String> lines = new ArrayList<>(List.of("model:", "  path: " + Fixtures.dir("gpt2-lm"), "task: lines", "data:"));
        for (String d : data) {
            lines.add("  " + d);
        }
        lines.addAll(List.of("training:", "  output_dir: " + dir.resolve("out"), "  max_steps: 2",
                "  per_device_train_batch_size: 2", "  save_strategy: 'no'", "  eval_strategy: 'no'", ""));
        return Files.write(dir.resolve("r.yaml"), lines);
    }

    @Test
    void aTaskDefinedInOneClassReadsItsBlockAndTrains() throws IOException {
        Recipe r = Recipe.load(recipe("train: lines.txt", "max_length: 8"), List.of(), List.of(Lines.KIND));
        assertThat(r.task()).isEqualTo(new Lines(dir.resolve("lines.txt"), 8));
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        try (Scope scope = Scope.open()) {
            Trainer.Job job = r.job(quiet);
            assertThat(job.model().head).isEqualTo(Head.CAUSAL_LM);
            assertThat(job.train().size()).isEqualTo(3);
            try (RunLock lock = Runs.prepare(r.training(), quiet)) {
                List<Double> losses = new ArrayList<>();
                new Trainer(job, quiet).onStep((step, loss) -> losses.add(loss)).train();
                assertThat(losses).hasSize(2).allSatisfy(l -> assertThat(l).isFinite());
            }
        }
    }

    @Test
    void theRecipeChecksTheNewBlockAndNamesTheNewTask() throws IOException {
        assertThatThrownBy(() -> Recipe.load(recipe("train: lines.txt", "max_lenght: 8"), List.of(), List.of(Lines.KIND)))
                .isInstanceOf(Finetune4jException.class).hasMessageContaining("max_lenght");
        assertThatThrownBy(() -> Recipe.load(recipe("train: lines.txt"), List.of()))
                .isInstanceOf(Finetune4jException.class).hasMessageContaining("task");
    }

    /** A task that does not say it packs ({@link Task#packs}) pads its batches, and refuses data.packing: true. */
    @Test
    void aTaskThatDoesNotSayItPacksRefusesPacking() throws IOException {
        assertThat(Recipe.load(recipe("train: lines.txt"), List.of(), List.of(Lines.KIND)).packing()).isFalse();
        assertThatThrownBy(() -> Recipe.load(recipe("train: lines.txt", "packing: true"), List.of(), List.of(Lines.KIND)))
                .isInstanceOf(Finetune4jException.class).hasMessageContaining("data.packing")
                .hasMessageContaining("task lines does not pack");
    }
}
