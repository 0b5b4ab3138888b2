package org.finetune4j.train;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.Fixtures;
import org.finetune4j.data.PackedRows;
import org.finetune4j.recipe.Recipe;
import org.finetune4j.tensor.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Five training steps with packed batches (data.packing, the default) give the padded run's losses. */
class PackedTrainingTest {

    @TempDir
    Path dir;

    private final PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

    @Test
    void sequenceClassificationTrainsAsPadded() throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 40, 1);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 5", "save_strategy: 'no'");
        assertSameLosses(recipe);
    }

    @Test
    void instructionTuningTrainsAsPadded() throws IOException {
        Path train = Files.write(dir.resolve("train.jsonl"), List.of(
                "{\"prompt\": \"Q: red?\\nA:\", \"completion\": \" a colour\"}",
                "{\"prompt\": \"Q: two and three?\\nA:\", \"completion\": \" five\"}",
                "{\"prompt\": \"Q: cat?\\nA:\", \"completion\": \" an animal that purrs\"}",
                "{\"prompt\": \"Q: oak?\\nA:\", \"completion\": \" a tree\"}",
                "{\"prompt\": \"Q: is the sea wet?\\nA:\", \"completion\": \" yes\"}",
                "{\"prompt\": \"Q: sky?\\nA:\", \"completion\": \" blue on a sunny day\"}"));
        Path recipe = Files.write(dir.resolve("recipe.yaml"), List.of("model:", "  path: " + Fixtures.dir("gpt2-lm"),
                "task: instruction", "data:", "  train: " + train, "  max_length: 32", "training:",
                "  output_dir: " + dir.resolve("out"), "  max_steps: 5", "  per_device_train_batch_size: 3",
                "  learning_rate: 1.0e-2", "  logging_steps: 1", "  save_strategy: 'no'", "  seed: 3"));
        assertSameLosses(recipe);
    }

    @Test
    void questionAnsweringRefusesPacking() throws IOException {
        Path recipe = Files.write(dir.resolve("qa.yaml"), List.of("model:", "  path: " + Fixtures.dir("bert-qa"),
                "task: question-answering", "data:", "  train: train.json", "  packing: true", "training:",
                "  output_dir: out"));
        assertThatThrownBy(() -> Recipe.load(recipe, List.of())).isInstanceOf(Finetune4jException.class)
                .hasMessageContaining("data.packing").hasMessageContaining("question-answering");
    }

    private void assertSameLosses(Path recipe) throws IOException {
        List<Double> padded = run(recipe, "data.packing=false", "training.output_dir=" + dir.resolve("padded"));
        List<Double> packed = run(recipe, "training.output_dir=" + dir.resolve("packed"));
        assertThat(packed).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertThat(packed.get(i)).as("step %d", i + 1).isCloseTo(padded.get(i), within(1e-4));
        }
    }

    private List<Double> run(Path recipe, String... overrides) throws IOException {
        Recipe r = Recipe.load(recipe, List.of(overrides));
        List<Double> losses = new ArrayList<>();
        try (Scope scope = Scope.open()) {
            Trainer.Job job = r.job(quiet);
            assertThat(job.train() instanceof PackedRows).isEqualTo(r.packing());
            try (RunLock lock = Runs.prepare(r.training(), quiet)) {
                new Trainer(job, quiet).onStep((step, loss) -> losses.add(loss)).train();
            }
        }
        return losses;
    }
}
