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
        Path train = Files.write(dir.resolve("train.tsv"), List.of("sentence\tlabel", "good film\tpos",
                "a bad and long and dull film\tneg", "fine\tpos", "the worst film of the year by far\tneg",
                "nice\tpos", "bad\tneg", "a great film\tpos", "dull\tneg"));
        Path recipe = Files.write(dir.resolve("r.yaml"), List.of("model:", "  path: " + Fixtures.dir("bert-seqcls"),
                "task: sequence-classification", "data:", "  train: " + train, "  text_column: sentence",
                "  validation_split: 0", "training:", "  output_dir: " + dir.resolve("never"),
                "  per_device_train_batch_size: 4"));
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
    void overridesNeedARecipe() {
        CliRun run = CliRun.of("bench", "data.packing=false");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("need --recipe");
    }

    private static JsonNode json(CliRun run) throws IOException {
        assertThat(run.code()).as(run.err()).isZero();
        return new ObjectMapper().readTree(run.out());
    }
}
