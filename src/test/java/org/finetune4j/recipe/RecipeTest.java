package org.finetune4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeTest {

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private static final String BASE = """
            model:
              path: m
            data:
              train: t.tsv
              text_column: sentence
            training:
              output_dir: out
              learning_rate: 1.0e-3
            """;

    @Test
    void readsHfNamesAndDefaults() throws IOException {
        Recipe r = Recipe.load(write(BASE), List.of());
        assertThat(r.training().learningRate()).isEqualTo(1e-3);
        assertThat(r.training().numTrainEpochs()).isEqualTo(3.0);
        assertThat(r.training().perDeviceTrainBatchSize()).isEqualTo(8);
        assertThat(r.training().maxGradNorm()).isEqualTo(1.0);
        assertThat(r.training().lrSchedulerType()).isEqualTo("linear");
        assertThat(r.training().seed()).isEqualTo(42);
        assertThat(r.data(SequenceClassificationSpec.class).labelColumn()).isEqualTo("label");
        assertThat(r.model().random()).isFalse();
        assertThat(r.task()).isEqualTo("sequence-classification");
    }

    @Test
    void overridesChangeNestedKeys() throws IOException {
        Recipe r = Recipe.load(write(BASE), List.of("training.learning_rate=2e-5", "training.seed=3", "model.init=random"));
        assertThat(r.training().learningRate()).isEqualTo(2e-5);
        assertThat(r.training().seed()).isEqualTo(3);
        assertThat(r.model().random()).isTrue();
    }

    @Test
    void unknownKeyNamesTheKeyAndTheAllowedOnes() throws IOException {
        assertThatThrownBy(() -> Recipe.load(write(BASE + "  learning_rte: 1\n"), List.of()))
                .isInstanceOf(Finetune4jException.class)
                .hasMessageContaining("r.yaml: unknown key 'training.learning_rte'")
                .hasMessageContaining("learning_rate").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> Recipe.load(write(BASE), List.of("data.txt_column=x")))
                .hasMessageContaining("unknown key 'data.txt_column'").hasMessageContaining("text_column");
    }

    @Test
    void wrongTypesNameTheKey() throws IOException {
        assertThatThrownBy(() -> Recipe.load(write(BASE), List.of("training.per_device_train_batch_size=big")))
                .hasMessageContaining("training.per_device_train_batch_size must be an integer");
        assertThatThrownBy(() -> Recipe.load(write(BASE), List.of("training.learning_rate=fast")))
                .hasMessageContaining("training.learning_rate must be a number, got 'fast'");
        assertThatThrownBy(() -> Recipe.load(write(BASE), List.of("training.lr_scheduler_type=exp")))
                .hasMessageContaining("training.lr_scheduler_type must be one of [linear, cosine, constant");
        assertThatThrownBy(() -> Recipe.load(write(BASE), List.of("training.bf16=true")))
                .hasMessageContaining("training.bf16 is not supported");
    }

    @Test
    void missingRequiredKeysAndBrokenYaml() throws IOException {
        assertThatThrownBy(() -> Recipe.load(write("model:\n  path: m\n"), List.of()))
                .hasMessageContaining("data.train is required");
        assertThatThrownBy(() -> Recipe.load(write("model: [\n"), List.of()))
                .hasMessageContaining("r.yaml: not valid YAML");
        assertThatThrownBy(() -> Recipe.load(dir.resolve("nope.yaml"), List.of()))
                .hasMessageContaining("nope.yaml: not found");
    }
}
