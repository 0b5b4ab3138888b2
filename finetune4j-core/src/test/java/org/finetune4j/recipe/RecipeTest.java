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
        Files.createDirectories(dir.resolve("m")); // the model folder and data file BASE names, beside the recipe
        Files.writeString(dir.resolve("t.tsv"), "");
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
        assertThat(((SequenceClassification) r.task()).labelColumn()).isEqualTo("label");
        assertThat(r.model().random()).isFalse();
        assertThat(r.task().name()).isEqualTo("sequence-classification");
    }

    @Test
    void pathsAreRelativeToTheRecipeAndOverridesToTheWorkingDirectory() throws IOException {
        Recipe r = Recipe.load(write(BASE), List.of());
        assertThat(r.model().path()).isEqualTo(dir.resolve("m"));
        assertThat(((SequenceClassification) r.task()).train()).isEqualTo(dir.resolve("t.tsv"));
        assertThat(r.training().outputDir()).isEqualTo(dir.resolve("out"));
        assertThat(Recipe.load(write(BASE), List.of("training.output_dir=runs/x")).training().outputDir()).isEqualTo(Path.of("runs/x"));
        assertThatThrownBy(() -> Recipe.load(write(BASE.replace("t.tsv", "missing.tsv")), List.of()))
                .hasMessage(dir.resolve("r.yaml") + ": data.train names " + dir.resolve("missing.tsv")
                        + ", which does not exist (a recipe's paths are relative to the folder the recipe is in)");
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
        assertThatThrownBy(() -> Recipe.load(write(BASE), List.of("training.fp16=true")))
                .hasMessageContaining("training.fp16 is not supported on the CPU");
        assertThat(Recipe.load(write(BASE), List.of("training.bf16=true")).training().bf16()).isTrue();
    }

    @Test
    void missingRequiredKeysAndBrokenYaml() throws IOException {
        assertThatThrownBy(() -> Recipe.load(write("model:\n  path: m\n"), List.of()))
                .hasMessageContaining("data.train is required");
        assertThatThrownBy(() -> Recipe.load(write("model: [\n"), List.of()))
                .hasMessageContaining("r.yaml:2: not valid YAML");
        assertThatThrownBy(() -> Recipe.load(dir.resolve("nope.yaml"), List.of()))
                .hasMessageContaining("nope.yaml: not found");
    }

    @Test
    void readsAPeftBlockWithPeftsNames() throws IOException {
        assertThat(Recipe.load(write(BASE), List.of()).peft()).isNull();
        Recipe r = Recipe.load(write(BASE + """
                peft:
                  method: lora
                  r: 16
                  lora_alpha: 32
                  lora_dropout: 0.05
                  target_modules: [q_proj, v_proj]
                  bias: lora_only
                  modules_to_save: [score]
                  use_rslora: true
                  init_lora_weights: gaussian
                  layers_to_transform: 1
                  task_type: causal_lm
                """), List.of("peft.r=8"));
        var p = r.peft();
        assertThat(p.r()).isEqualTo(8);
        assertThat(p.scaling()).isEqualTo(32 / Math.sqrt(8));
        assertThat(p.targetModules()).containsExactly("q_proj", "v_proj");
        assertThat(p.targetRegex()).isNull();
        assertThat(p.bias()).isEqualTo("lora_only");
        assertThat(p.modulesToSave()).containsExactly("score");
        assertThat(p.init()).isEqualTo("gaussian");
        assertThat(p.layersToTransform()).containsExactly(1);
        assertThat(p.taskType()).isEqualTo("CAUSAL_LM");
        var regex = Recipe.load(write(BASE + "peft:\n  method: lora\n  target_modules: '.*\\.(q|v)_proj'\n"), List.of()).peft();
        assertThat(regex.targetRegex()).isEqualTo(".*\\.(q|v)_proj");
        assertThat(regex.targetModules()).isNull();
        var all = Recipe.load(write(BASE + "peft:\n  method: lora\n  target_modules: all-linear\n"), List.of()).peft();
        assertThat(all.allLinear()).isTrue();
        assertThat(all.r()).isEqualTo(8);
        assertThat(all.loraAlpha()).isEqualTo(8);
    }

    @Test
    void peftOptionsFinetune4jLacksAreRefusedByName() throws IOException {
        for (String bad : List.of("use_dora: true", "lora_bias: true", "rank_pattern: {q_proj: 8}", "layer_replication: [[0, 1]]",
                "megatron_config: {a: 1}")) {
            String key = bad.substring(0, bad.indexOf(':'));
            assertThatThrownBy(() -> Recipe.load(write(BASE + "peft:\n  method: lora\n  " + bad + "\n"), List.of()))
                    .isInstanceOf(Finetune4jException.class)
                    .hasMessageContaining("r.yaml: peft." + key + " is not supported");
        }
        for (String key : org.finetune4j.peft.LoraOptions.keys(org.finetune4j.peft.LoraOptions.Support.REFUSED)) {
            // every option an adapter_config.json is refused for is refused by name in a recipe too (one declaration)
            assertThatThrownBy(() -> Recipe.load(write(BASE + "peft:\n  method: lora\n  " + key + ": true\n"), List.of()))
                    .hasMessageContaining("r.yaml: peft." + key + " is not supported");
        }
        assertThatThrownBy(() -> Recipe.load(write(BASE + "peft:\n  method: prefix_tuning\n"), List.of()))
                .hasMessageContaining("peft.method must be one of [lora]");
        assertThatThrownBy(() -> Recipe.load(write(BASE + "peft:\n  method: lora\n  bias: some\n"), List.of()))
                .hasMessageContaining("peft.bias must be one of [none, all, lora_only]");
        assertThatThrownBy(() -> Recipe.load(write(BASE + "peft:\n  method: lora\n  target_modules: '(q'\n"), List.of()))
                .hasMessageContaining("peft.target_modules is not a valid regex");
    }

    @Test
    void readsTheReportBlockAndRefusesBadValues() throws IOException {
        assertThat(Recipe.load(write(BASE), List.of()).report().attention()).isEqualTo(org.finetune4j.viz.AttentionFocus.DEFAULT);
        Recipe r = Recipe.load(write(BASE + """
                report:
                  attention:
                    text: "I love this movie, it's fantastic!"
                    layer: 5
                    head: 1
                """), List.of());
        assertThat(r.report().attention()).isEqualTo(new org.finetune4j.viz.AttentionFocus("I love this movie, it's fantastic!", 5, 1));
        assertThat(Recipe.load(write(BASE + "report:\n  attention:\n    head: 2\n"), List.of()).report().attention())
                .isEqualTo(new org.finetune4j.viz.AttentionFocus(null, -1, 2));
        for (String[] bad : new String[][] {
            {"report:\n  atention: {layer: 1}\n", "r.yaml: unknown key 'report.atention'"},
            {"report:\n  attention: {layr: 1}\n", "r.yaml: unknown key 'report.attention.layr'"},
            {"report:\n  attention: {text: '  '}\n", "r.yaml: report.attention.text is empty"},
            {"report:\n  attention: {layer: -2}\n", "r.yaml: report.attention.layer must be 0 or more"},
            {"report:\n  attention: {head: -1}\n", "r.yaml: report.attention.head must be 0 or more"},
            {"report:\n  attention: {head: one}\n", "r.yaml: report.attention.head must be an integer"},
            {"report: 3\n", "r.yaml: report must be a block of keys"}}) {
            assertThatThrownBy(() -> Recipe.load(write(BASE + bad[0]), List.of())).as(bad[0])
                    .isInstanceOf(Finetune4jException.class).hasMessageContaining(bad[1]).hasMessageNotContaining("\n");
        }
        assertThatThrownBy(() -> Recipe.load(write(BASE), List.of("report.attention.layer=-5")))
                .hasMessageContaining("override 'report.attention.layer=-5': report.attention.layer must be 0 or more");
    }

    @Test
    void theReportLayerAndHeadAreCheckedAgainstTheModel() throws IOException {
        ReportBlock b = Recipe.load(write(BASE + "report:\n  attention: {layer: 2, head: 3}\n"), List.of()).report();
        org.finetune4j.model.ModelConfig twoLayers = org.finetune4j.model.ModelConfig.read(
                org.finetune4j.Fixtures.dir("bert-seqcls")); // 2 layers, 4 heads
        assertThatThrownBy(() -> b.check(twoLayers)).isInstanceOf(Finetune4jException.class)
                .hasMessage(dir.resolve("r.yaml") + ": report.attention.layer is 2, out of range: the model has 2 layers (0 to 1, or -1 for the last)");
        ReportBlock head = Recipe.load(write(BASE + "report:\n  attention: {layer: 1, head: 4}\n"), List.of()).report();
        assertThatThrownBy(() -> head.check(twoLayers))
                .hasMessage(dir.resolve("r.yaml") + ": report.attention.head is 4, out of range: the model has 4 heads (0 to 3)");
        Recipe.load(write(BASE + "report:\n  attention: {layer: -1, head: 3}\n"), List.of()).report().check(twoLayers);
    }
}
