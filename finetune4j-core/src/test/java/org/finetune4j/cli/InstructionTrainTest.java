package org.finetune4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code task: instruction} through the CLI: a short run on the tiny GPT-2, its logs, and the errors of bad input. */
class InstructionTrainTest {

    @TempDir
    Path dir;

    private static final List<String> TRAIN = List.of(
            "{\"prompt\": \"Q: red?\\nA:\", \"completion\": \" a colour\"}",
            "{\"prompt\": \"Q: two?\\nA:\", \"completion\": \" a number\"}",
            "{\"prompt\": \"Q: cat?\\nA:\", \"completion\": \" an animal\"}",
            "{\"prompt\": \"Q: oak?\\nA:\", \"completion\": \" a tree\"}");

    private Path recipe(String... dataLines) throws IOException {
        Path r = dir.resolve("recipe.yaml");
        List<String> lines = new java.util.ArrayList<>(List.of("model:", "  path: " + Fixtures.dir("gpt2-lm"), "task: instruction", "data:"));
        for (String l : dataLines) {
            lines.add("  " + l);
        }
        lines.addAll(List.of("training:", "  output_dir: " + dir.resolve("out"), "  max_steps: 3", "  per_device_train_batch_size: 2",
                "  learning_rate: 1.0e-2", "  logging_steps: 1", "  save_strategy: 'no'", "  eval_strategy: steps", "  eval_steps: 3", ""));
        Files.write(r, lines);
        return r;
    }

    @Test
    void trainsOnTheResponsesAndLogsTrainedAndMaskedTokens() throws IOException {
        Path train = Files.write(dir.resolve("train.jsonl"), TRAIN);
        Path dev = Files.write(dir.resolve("dev.jsonl"), List.of("{\"prompt\": \"Q: blue?\\nA:\", \"completion\": \" a colour\"}"));
        CliRun run = CliRun.of("train", recipe("train: " + train, "validation: " + dev, "max_length: 32"));
        assertThat(run.code()).as(run.err()).isZero();
        Path out = dir.resolve("out");
        List<String> log = Files.readAllLines(out.resolve("metrics.jsonl"));
        JsonNode first = new ObjectMapper().readTree(log.get(0));
        assertThat(first.get("trained_tokens").asLong()).isPositive();
        assertThat(first.get("ignored_tokens").asLong()).isGreaterThan(first.get("trained_tokens").asLong());
        JsonNode results = new ObjectMapper().readTree(out.resolve("eval_results.json").toFile());
        assertThat(results.get("eval_perplexity").asDouble()).isCloseTo(Math.exp(results.get("eval_loss").asDouble()),
                org.assertj.core.api.Assertions.within(1e-6));
        try (org.finetune4j.tokenize.Tokenizer tok = org.finetune4j.tokenize.Tokenizer.load(Fixtures.dir("gpt2-lm"))) {
            int response = tok.tokenize(" a colour").size(); // the held-out response's tokens, and the EOS appended
            assertThat(results.get("eval_tokens").asDouble()).isEqualTo(response + 1.0);
        }
        assertThat(Files.exists(out.resolve("model.safetensors"))).isTrue();
    }

    @Test
    void badInputIsAOneLineErrorNamingTheRecordOrTheKey() throws IOException {
        Path train = Files.write(dir.resolve("train.jsonl"), List.of(TRAIN.get(0), "{\"prompt\": \"Q: x?\"}"));
        CliRun missing = CliRun.of("train", recipe("train: " + train));
        assertThat(missing.code()).isNotZero();
        assertThat(missing.errLines()).hasSize(1);
        assertThat(missing.err()).contains("train.jsonl:2: record 2: no \"completion\" field");

        Path ok = Files.write(dir.resolve("ok.jsonl"), TRAIN);
        CliRun template = CliRun.of("train", recipe("train: " + ok, "template: vicuna"));
        assertThat(template.errLines()).hasSize(1);
        assertThat(template.err()).contains("data.template").contains("vicuna");

        CliRun noChatTemplate = CliRun.of("train", recipe("train: " + ok, "template: model"));
        assertThat(noChatTemplate.errLines()).hasSize(1);
        assertThat(noChatTemplate.err()).contains("has no chat template");

        CliRun tooLong = CliRun.of("train", recipe("train: " + ok, "max_length: 65"));
        assertThat(tooLong.err()).contains("max_length 65 exceeds the 64 positions");
        assertThat(Files.exists(dir.resolve("out"))).isFalse();
    }
}
