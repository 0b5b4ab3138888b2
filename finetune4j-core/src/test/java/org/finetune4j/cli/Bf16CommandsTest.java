package org.finetune4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.finetune4j.Fixtures;
import org.finetune4j.io.SafeTensors;
import org.finetune4j.io.TensorInfo;
import org.finetune4j.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bfloat16 through the commands: init --dtype, a bf16 LoRA run on a bf16 base, merge keeping its dtype, --bf16 inference. */
class Bf16CommandsTest {

    @TempDir
    Path dir;

    private static Path bf16Bert() {
        try {
            return Paths.get(Bf16CommandsTest.class.getResource("/bf16/bert-seqcls-bf16").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<DType> dtypes(Path model) {
        return dtypesOf(model.resolve("model.safetensors"));
    }

    private static List<DType> dtypesOf(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            return st.tensors().stream().map(TensorInfo::dtype).distinct().toList();
        }
    }

    private static String configDtype(Path model) {
        return Fixtures.json(model.resolve("config.json")).get("dtype").asText();
    }

    @Test
    void initWritesTheDtypeAsked() {
        Path out = dir.resolve("init");
        CliRun r = CliRun.of("init", "--config", Fixtures.dir("llama-lm").resolve("config.json"), "--out", out, "--dtype", "bfloat16");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(dtypes(out)).containsExactly(DType.BF16);
        assertThat(configDtype(out)).isEqualTo("bfloat16");
        CliRun bad = CliRun.of("init", "--config", Fixtures.dir("llama-lm").resolve("config.json"), "--out", dir.resolve("x"),
                "--dtype", "float8");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("unsupported dtype 'float8'");
    }

    @Test
    void loraOnABf16BaseMergesInItsDtype() throws IOException {
        Path train = dir.resolve("train.tsv");
        Files.write(train, List.of("sentence\tlabel", "a good movie\tpositive", "the bad coffee\tnegative",
                "nice and warm\tpositive", "cold and late\tnegative"));
        Path recipe = dir.resolve("recipe.yaml");
        Files.writeString(recipe, String.join("\n", "model:", "  path: " + bf16Bert(), "data:", "  train: " + train,
                "  text_column: sentence", "  validation_split: 0", "training:", "  output_dir: " + dir.resolve("out"),
                "  max_steps: 2", "  per_device_train_batch_size: 2", "  bf16: true", "  save_strategy: 'no'",
                "peft:", "  method: lora", "  r: 4", "  target_modules: [query, value]", ""));
        CliRun t = CliRun.of("train", recipe);
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(dtypesOf(dir.resolve("out/adapter_model.safetensors"))).as("the adapter trains float32 weights").containsExactly(DType.F32);

        Path merged = dir.resolve("merged");
        CliRun m = CliRun.of("merge", "--base", bf16Bert(), "--adapter", dir.resolve("out"), "--out", merged);
        assertThat(m.code()).as(m.err()).isZero();
        assertThat(dtypes(merged)).containsExactly(DType.BF16);
        assertThat(configDtype(merged)).isEqualTo("bfloat16");
        Path wide = dir.resolve("wide");
        CliRun w = CliRun.of("merge", "--base", bf16Bert(), "--adapter", dir.resolve("out"), "--out", wide, "--dtype", "float32");
        assertThat(w.code()).as(w.err()).isZero();
        assertThat(dtypes(wide)).containsExactly(DType.F32);
        assertThat(configDtype(wide)).isEqualTo("float32");

        CliRun predict = CliRun.of("predict", "--model", merged, "--bf16", "a good movie");
        assertThat(predict.code()).as(predict.err()).isZero();
        assertThat(predict.out()).contains("\"label\"");
        CliRun eval = CliRun.of("eval", "--model", merged, "--data", train, "--text-column", "sentence", "--bf16", "--json");
        assertThat(eval.code()).as(eval.err()).isZero();
        assertThat(eval.out()).contains("eval_accuracy");
    }

    @Test
    void generateUnderAutocast() {
        CliRun g = CliRun.of("generate", "--model", Fixtures.dir("gpt2-lm"), "--prompt", "hello", "--max-new-tokens", "4", "--bf16", "--json");
        assertThat(g.code()).as(g.err()).isZero();
        assertThat(g.out()).contains("generated_ids");
    }
}
