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

/** A LoRA recipe through train, then merge and forward --adapter; bad peft blocks refused before training. */
class LoraCommandsTest {

    @TempDir
    Path dir;

    private Path recipe(String... peft) throws IOException {
        Path train = dir.resolve("train.tsv");
        Files.write(train, List.of("sentence\tlabel", "a good movie\tpositive", "the bad coffee\tnegative",
                "nice and warm\tpositive", "cold and late\tnegative", "great music\tpositive", "the old room\tnegative"));
        Path r = dir.resolve("recipe.yaml");
        StringBuilder y = new StringBuilder(String.join("\n", "model:", "  path: " + Fixtures.dir("bert-seqcls"),
                "data:", "  train: " + train, "  text_column: sentence", "  validation_split: 0",
                "training:", "  output_dir: " + dir.resolve("out"), "  max_steps: 3", "  per_device_train_batch_size: 2",
                "  learning_rate: 1.0e-2", "  save_strategy: 'no'", "peft:", ""));
        for (String p : peft) {
            y.append("  ").append(p).append('\n');
        }
        Files.writeString(r, y.toString());
        return r;
    }

    @Test
    void trainMergeAndForwardAgree() throws IOException {
        CliRun train = CliRun.of("train", recipe("method: lora", "r: 4", "lora_alpha: 16", "target_modules: [query, value, dense]"));
        assertThat(train.code()).as(train.err()).isZero();
        Path out = dir.resolve("out");
        assertThat(out.resolve("adapter_model.safetensors")).exists();
        assertThat(out.resolve("model.safetensors")).doesNotExist();
        assertThat(Files.readString(out.resolve("report.html"))).as("attention after training, the adapter on its base")
                .contains("Largest change of any attention probability");

        Path merged = dir.resolve("merged");
        CliRun merge = CliRun.of("merge", "--base", Fixtures.dir("bert-seqcls"), "--adapter", out, "--out", merged);
        assertThat(merge.code()).as(merge.err()).isZero();
        assertThat(merge.out()).contains("merged 11 LoRA layers");
        assertThat(merged.resolve("model.safetensors")).exists();
        assertThat(merged.resolve("vocab.txt")).exists();

        Path inputs = Fixtures.dir("bert-seqcls").resolve("golden.json");
        CliRun withAdapter = CliRun.of("forward", Fixtures.dir("bert-seqcls"), "--adapter", out, "--inputs", inputs);
        CliRun plain = CliRun.of("forward", merged, "--inputs", inputs);
        CliRun base = CliRun.of("forward", Fixtures.dir("bert-seqcls"), "--inputs", inputs);
        assertThat(withAdapter.code()).as(withAdapter.err()).isZero();
        assertThat(plain.code()).as(plain.err()).isZero();
        ObjectMapper m = new ObjectMapper();
        JsonNode a = m.readTree(withAdapter.out()).get("logits");
        JsonNode b = m.readTree(plain.out()).get("logits");
        JsonNode c = m.readTree(base.out()).get("logits");
        double diff = 0;
        double moved = 0;
        for (int i = 0; i < a.size(); i++) {
            for (int j = 0; j < a.get(i).size(); j++) {
                diff = Math.max(diff, Math.abs(a.get(i).get(j).asDouble() - b.get(i).get(j).asDouble()));
                moved = Math.max(moved, Math.abs(a.get(i).get(j).asDouble() - c.get(i).get(j).asDouble()));
            }
        }
        assertThat(diff).as("merged logits vs adapter logits").isLessThan(1e-5);
        assertThat(moved).as("training moved the logits").isGreaterThan(1e-4);
        assertThat(m.readTree(withAdapter.out()).get("grad_norms").fieldNames()).toIterable()
                .allMatch(n -> n.contains("lora_") || n.startsWith("classifier."));

        CliRun again = CliRun.of("merge", "--base", Fixtures.dir("bert-seqcls"), "--adapter", out, "--out", merged);
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("already holds a model");
    }

    @Test
    void badPeftBlocksAreRefusedBeforeTraining() throws IOException {
        assertRefused(recipe("method: lora", "target_modules: [q_proj]"), "recipe.yaml", "target_modules [q_proj]",
                "match no module of BertForSequenceClassification");
        assertRefused(recipe("method: lora", "use_dora: true"), "recipe.yaml", "peft.use_dora", "not supported");
        assertRefused(recipe("method: lora", "lora_alpah: 16"), "recipe.yaml", "unknown key 'peft.lora_alpah'");
        assertRefused(recipe("method: lora", "task_type: CAUSAL_LM"), "recipe.yaml", "task_type CAUSAL_LM");
        assertRefused(recipe("method: lora", "r: 0"), "recipe.yaml", "peft.r", "must be 1 or more");
        assertRefused(recipe("method: lora", "init_lora_weights: pissa"), "recipe.yaml", "init_lora_weights", "pissa");
        assertRefused(recipe("r: 4"), "recipe.yaml", "peft.method");
    }

    @Test
    void forwardRefusesAnAdapterOfAnotherRank() throws IOException {
        Path adapter = dir.resolve("adapter");
        Files.createDirectories(adapter);
        Path src = Fixtures.dir("llama-lm").resolve("lora/adapter_init");
        Files.copy(src.resolve("adapter_model.safetensors"), adapter.resolve("adapter_model.safetensors"));
        Files.writeString(adapter.resolve("adapter_config.json"),
                Files.readString(src.resolve("adapter_config.json")).replace("\"r\": 4", "\"r\": 2").replace("\"../..\"", "null"));
        CliRun run = CliRun.of("forward", Fixtures.dir("llama-lm"), "--adapter", adapter, "--inputs",
                Fixtures.dir("llama-lm").resolve("golden.json"));
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.err()).contains("adapter_model.safetensors", "r = 2", "rank mismatch");
    }

    @Test
    void generateWithAnAdapterEqualsGenerateWithTheMergedModel() throws IOException {
        Path base = Fixtures.dir("gpt2-lm");
        Path adapter = dir.resolve("gpt2-adapter");
        try (org.finetune4j.tensor.Scope scope = org.finetune4j.tensor.Scope.open()) {
            var model = org.finetune4j.model.Pretrained.load(base, null, 0).model();
            var c = org.finetune4j.peft.LoraModel.apply(model, new org.finetune4j.peft.LoraConfig(4, 32, 0, List.of("c_attn", "c_fc"),
                    null, false, "none", List.of(), false, false, "false", null, null, null), 9, "test");
            org.finetune4j.peft.Adapters.save(model, c, adapter);
        }
        Path merged = dir.resolve("gpt2-merged");
        assertThat(CliRun.of("merge", "--base", base, "--adapter", adapter, "--out", merged).code()).isZero();
        CliRun a = CliRun.of("generate", "--model", base, "--adapter", adapter, "--prompt", "hello world", "--max-new-tokens", "8", "--json");
        CliRun b = CliRun.of("generate", "--model", merged, "--prompt", "hello world", "--max-new-tokens", "8", "--json");
        CliRun plain = CliRun.of("generate", "--model", base, "--prompt", "hello world", "--max-new-tokens", "8", "--json");
        assertThat(a.code()).as(a.err()).isZero();
        ObjectMapper om = new ObjectMapper();
        JsonNode ga = om.readTree(a.out()).get("generated_ids");
        assertThat(ga).isEqualTo(om.readTree(b.out()).get("generated_ids"));
        assertThat(ga).as("the random adapter changes the continuation").isNotEqualTo(om.readTree(plain.out()).get("generated_ids"));
    }

    private void assertRefused(Path recipe, String... parts) {
        CliRun run = CliRun.of("train", recipe);
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.err()).contains(parts);
        assertThat(dir.resolve("out")).as("nothing written").doesNotExist();
    }
}
