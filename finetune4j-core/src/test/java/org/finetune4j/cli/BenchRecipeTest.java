package org.finetune4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code bench --recipe}: a recipe's own training steps, packed by default and padded with data.packing=false. */
class BenchRecipeTest {

    @TempDir
    Path dir;

    @Test
    void timesTheRecipesStepsPackedAndPadded() throws IOException {
        Path recipe = recipe(4);
        JsonNode packed = json(CliRun.of("bench", "--recipe", recipe, "--steps", "3", "--warmup", "1", "--json"));
        JsonNode padded = json(CliRun.of("bench", "--recipe", recipe, "--steps", "3", "--warmup", "1", "--json",
                "data.packing=false"));
        assertThat(packed.get("packing").asBoolean()).isTrue();
        assertThat(padded.get("packing").asBoolean()).isFalse();
        assertThat(packed.get("steps").asInt()).isEqualTo(3);
        assertThat(packed.get("real_tokens_per_s").asDouble()).isPositive();
        assertThat(packed.get("rows_per_step").asDouble()).isLessThan(padded.get("rows_per_step").asDouble());
        assertThat(packed.get("pad_fraction").asDouble()).isLessThan(padded.get("pad_fraction").asDouble());
        assertThat(dir.resolve("never")).doesNotExist(); // the steps ran in a temporary folder
    }

    @Test
    void timesBatchesOfATokenBudget() throws IOException {
        Path recipe = recipe(8);
        JsonNode budget = json(CliRun.of("bench", "--recipe", recipe, "--steps", "3", "--warmup", "1", "--json",
                "data.max_tokens_per_batch=30"));
        assertThat(budget.get("max_tokens_per_batch").asInt()).isEqualTo(30);
        // at most 30 tokens a batch is fewer examples than the batch size's 8
        assertThat(budget.get("examples_per_step").asDouble()).isBetween(1.0, 4.0);
    }

    @Test
    void overridesNeedARecipe() {
        CliRun run = CliRun.of("bench", "data.packing=false");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("need --recipe");
    }

    /** A recipe over 8 sentences of 5 to 23 tokens in the fixture's vocabulary, {@code batch} a batch. */
    private Path recipe(int batch) throws IOException {
        Path train = Files.write(dir.resolve("train.tsv"), List.of("sentence\tlabel", "good film\tpos",
                "a bad and long and dull film\tneg", "fine\tpos", "the worst film of the year by far\tneg",
                "nice\tpos", "bad\tneg", "a great film\tpos", "dull\tneg"));
        return Files.write(dir.resolve("r.yaml"), List.of("model:", "  path: " + Fixtures.dir("bert-seqcls"),
                "task: sequence-classification", "data:", "  train: " + train, "  text_column: sentence",
                "  validation_split: 0", "training:", "  output_dir: " + dir.resolve("never"),
                "  per_device_train_batch_size: " + batch));
    }

    private static JsonNode json(CliRun run) throws IOException {
        assertThat(run.code()).as(run.err()).isZero();
        return new ObjectMapper().readTree(run.out());
    }
}
