package org.finetune4j.train;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;
import org.finetune4j.Fixtures;
import org.finetune4j.data.Dataset;
import org.finetune4j.data.MultitaskData;
import org.finetune4j.data.PackedRows;
import org.finetune4j.distributed.World;
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

    /**
     * A two-task mix (sentence classification and masked LM on one body): each member's batches pack as its task's
     * do, under the recipe's data.packing, and five steps give the padded run's losses.
     */
    @Test
    void multitaskTrainsAsPadded() throws IOException {
        assertSameLosses(mix(null, "0"));
    }

    /** Each member's evaluation packs as its task's does, and reports what it reports padded. */
    @Test
    void multitaskEvaluationOfEveryMemberPacksAsPadded() throws IOException {
        Path recipe = mix("        validation: " + TrainerFixture.tsv(dir, "dev.tsv", 12, 2), "0.3");
        List<Map<String, Double>> both = new ArrayList<>();
        for (String packing : List.of("true", "false")) {
            Recipe r = Recipe.load(recipe, List.of("data.packing=" + packing));
            try (Scope scope = Scope.open()) {
                Trainer.Job job = r.job(new PrintStream(new ByteArrayOutputStream()));
                both.add(job.eval().evaluate(job.model(), World.SINGLE));
            }
        }
        assertThat(both.get(0)).containsKeys("eval_sst_accuracy", "eval_sst_loss", "eval_text_loss");
        both.get(1).forEach((k, v) -> {
            if (!k.endsWith("runtime") && !k.endsWith("per_second")) {
                assertThat(both.get(0).get(k)).as(k).isCloseTo(v, within(1e-5));
            }
        });
    }

    @Test
    void aMemberDataBlockCannotSetPacking() throws IOException {
        Path recipe = Files.write(dir.resolve("mix.yaml"), List.of("model:", "  path: " + Fixtures.dir("bert-seqcls"),
                "task: multitask", "data:", "  datasets:", "    - name: sst", "      task: sequence-classification",
                "      data:", "        train: train.tsv", "        packing: false", "training:", "  output_dir: out"));
        assertThatThrownBy(() -> Recipe.load(recipe, List.of())).isInstanceOf(Finetune4jException.class)
                .hasMessageContaining("packing");
    }

    /** The classification + MLM mix on the bert-seqcls body; {@code validation}: a line of the sst member's data block. */
    private Path mix(String validation, String split) throws IOException {
        Path sst = TrainerFixture.tsv(dir, "train.tsv", 40, 1);
        Path text = Files.write(dir.resolve("text.txt"), List.of("the cat sat on the mat near the river", "it was a sunny day",
                "she bought bread and milk at the market before lunch", "the teacher reads", "he looked at the door",
                "the children played in the park", "coffee is served warm in the cafe near the office every morning"));
        List<String> lines = new ArrayList<>(List.of("model:", "  path: " + Fixtures.dir("bert-seqcls"), "  init: random",
                "task: multitask", "data:", "  strategy: interleave", "  datasets:", "    - name: sst",
                "      task: sequence-classification", "      data:", "        train: " + sst, "        text_column: sentence",
                "        max_length: 16"));
        if (validation != null) {
            lines.add(validation);
        }
        lines.addAll(List.of("    - name: text", "      task: mlm", "      data:", "        train: " + text,
                "        line_by_line: true", "        max_length: 16", "        validation_split: " + split, "training:",
                "  output_dir: " + dir.resolve("out"), "  max_steps: 5", "  per_device_train_batch_size: 4",
                "  learning_rate: 1.0e-2", "  logging_steps: 1", "  save_strategy: 'no'", "  seed: 5"));
        return Files.write(dir.resolve("mix.yaml"), lines);
    }

    private void assertSameLosses(Path recipe) throws IOException {
        assertThat(Recipe.load(recipe, List.of()).packing()).as("packed by default").isTrue();
        List<Double> padded = losses(recipe, "data.packing=false", "training.output_dir=" + dir.resolve("padded"));
        List<Double> packed = losses(recipe, "training.output_dir=" + dir.resolve("packed"));
        assertThat(packed).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertThat(packed.get(i)).as("step %d", i + 1).isCloseTo(padded.get(i), within(1e-4));
        }
    }

    /** The losses of training {@code recipe} with {@code overrides}, its batches packed as its data.packing says. */
    static List<Double> losses(Path recipe, String... overrides) throws IOException {
        Recipe r = Recipe.load(recipe, List.of(overrides));
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        List<Double> losses = new ArrayList<>();
        try (Scope scope = Scope.open()) {
            Trainer.Job job = r.job(quiet);
            List<Dataset> data = job.train() instanceof MultitaskData mix
                    ? mix.members().stream().map(MultitaskData.Member::data).toList() : List.of(job.train());
            assertThat(data).allSatisfy(d -> assertThat(d instanceof PackedRows).isEqualTo(r.packing()));
            try (RunLock lock = Runs.prepare(r.training(), quiet)) {
                new Trainer(job, quiet).onStep((step, loss) -> losses.add(loss)).train();
            }
        }
        return losses;
    }
}
