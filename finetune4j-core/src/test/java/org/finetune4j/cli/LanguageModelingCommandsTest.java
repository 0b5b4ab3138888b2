package org.finetune4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.finetune4j.Fixtures;
import org.finetune4j.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mlm, clm and multitask recipes end to end through the CLI, the forgetting block and command, and their bad input. */
class LanguageModelingCommandsTest {

    private static final String[] GOOD = {"good", "great", "nice", "happy", "fine"};
    private static final String[] BAD = {"bad", "cold", "closed", "late", "lazy"};
    private static final String[] FILL = {"the", "movie", "food", "coffee", "day", "park", "story", "music", "room"};

    private static Path labelled(Path dir, String name, int rows, long seed) throws IOException {
        Random rng = new Random(seed);
        List<String> lines = new ArrayList<>();
        lines.add("sentence\tlabel");
        for (int i = 0; i < rows; i++) {
            boolean pos = rng.nextBoolean();
            StringBuilder s = new StringBuilder();
            for (int w = 0; w < 3 + rng.nextInt(6); w++) {
                s.append(w == 0 ? "" : " ").append(w % 2 == 1 ? (pos ? GOOD : BAD)[rng.nextInt(5)] : FILL[rng.nextInt(FILL.length)]);
            }
            lines.add(s + "\t" + (pos ? "positive" : "negative"));
        }
        return Files.write(dir.resolve(name), lines);
    }

    private static Path text(Path dir, String name, int lines, long seed) throws IOException {
        Random rng = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            for (int w = 0; w < 4 + rng.nextInt(8); w++) {
                sb.append(FILL[rng.nextInt(FILL.length)]).append(' ');
            }
            sb.append(".\n");
            if (i % 5 == 4) {
                sb.append('\n');
            }
        }
        return Files.writeString(dir.resolve(name), sb.toString());
    }

    private static JsonNode lastWith(Path metrics, String key) throws IOException {
        JsonNode found = null;
        for (String line : Files.readAllLines(metrics)) {
            JsonNode n = new ObjectMapper().readTree(line);
            if (n.has(key)) {
                found = n;
            }
        }
        return found;
    }

    @Test
    void mlmRecipeTrainsAndEvaluatesPerplexityAndAccuracy(@TempDir Path dir) throws IOException {
        Path corpus = text(dir, "corpus.txt", 60, 1);
        Path recipe = Files.writeString(dir.resolve("mlm.yaml"), "model:\n  path: " + Fixtures.dir("bert-mlm") + "\n"
                + "task: mlm\ndata:\n  train: " + corpus + "\n  block_size: 16\n  validation_split: 0.2\n"
                + "training:\n  output_dir: " + dir.resolve("out") + "\n  max_steps: 4\n  per_device_train_batch_size: 4\n"
                + "  eval_strategy: steps\n  eval_steps: 2\n  save_strategy: \"no\"\n  logging_steps: 1\n");
        CliRun r = CliRun.of("train", recipe.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode eval = lastWith(dir.resolve("out/metrics.jsonl"), "eval_loss");
        assertThat(eval.get("eval_perplexity").asDouble()).isCloseTo(Math.exp(eval.get("eval_loss").asDouble()),
                org.assertj.core.api.Assertions.within(1e-6 * eval.get("eval_perplexity").asDouble()));
        assertThat(eval.get("eval_accuracy").asDouble()).isBetween(0.0, 1.0);
        assertThat(new ObjectMapper().readTree(dir.resolve("out/config.json").toFile()).at("/architectures/0").asText())
                .isEqualTo("BertForMaskedLM");
    }

    @Test
    void clmRecipeTrainsADecoder(@TempDir Path dir) throws IOException {
        Path corpus = text(dir, "corpus.txt", 40, 2);
        Path recipe = Files.writeString(dir.resolve("clm.yaml"), "model:\n  path: " + Fixtures.dir("gpt2-lm") + "\n"
                + "task: clm\ndata:\n  train: " + corpus + "\n  block_size: 24\n  validation_split: 0.25\n"
                + "training:\n  output_dir: " + dir.resolve("out") + "\n  max_steps: 3\n  per_device_train_batch_size: 2\n"
                + "  eval_strategy: steps\n  eval_steps: 3\n  save_strategy: \"no\"\n");
        CliRun r = CliRun.of("train", recipe.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode eval = lastWith(dir.resolve("out/metrics.jsonl"), "eval_loss");
        assertThat(eval.get("eval_perplexity").asDouble()).isGreaterThan(1);
        assertThat(eval.has("eval_accuracy")).isFalse();
    }

    /**
     * Each batch runs the head of the member it came from: the batch names its member and the inputs carry it
     * to the model (it used to be queued beside the model as batches were made, which sent an MLM batch of
     * examples/mix-sst2-wikitext.yaml to the classifier's head at step 5).
     */
    @Test
    void everyMultitaskBatchRunsItsOwnMembersHead(@TempDir Path dir) throws IOException {
        Path train = labelled(dir, "train.tsv", 64, 3);
        Path general = text(dir, "general.txt", 80, 5);
        Path out = dir.resolve("out");
        Path recipe = Files.writeString(dir.resolve("mix.yaml"), "model:\n  path: " + Fixtures.dir("bert-seqcls") + "\n"
                + "  init: random\n"
                + "task: multitask\ndata:\n  strategy: temperature\n  temperature: 2\n  datasets:\n"
                + "    - name: sst\n      task: sequence-classification\n      weight: 1\n      data:\n"
                + "        train: " + train + "\n        text_column: sentence\n        max_length: 16\n"
                + "    - name: general\n      task: mlm\n      weight: 1\n      data:\n        train: " + general
                + "\n        block_size: 16\n        validation_split: 0\n"
                + "training:\n  output_dir: " + out + "\n  max_steps: 16\n  per_device_train_batch_size: 4\n"
                + "  save_strategy: \"no\"\n  logging_steps: 1\n");
        CliRun r = CliRun.of("train", recipe.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> steps = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            JsonNode n = new ObjectMapper().readTree(line);
            if (n.has("loss") && n.has("step")) {
                steps.add(n);
            }
        }
        assertThat(steps).hasSize(16);
        assertThat(steps).as("both members trained").anySatisfy(n -> assertThat(n.path("trained_tokens").asLong()).isPositive())
                .anySatisfy(n -> assertThat(n.path("trained_tokens").asLong()).isZero());
    }

    @Test
    void multitaskSharesOneBodyReportsEachTaskAndMeasuresForgetting(@TempDir Path dir) throws IOException {
        Path train = labelled(dir, "train.tsv", 40, 3);
        Path dev = labelled(dir, "dev.tsv", 12, 4);
        Path general = text(dir, "general.txt", 60, 5);
        Path out = dir.resolve("out");
        Path recipe = Files.writeString(dir.resolve("mix.yaml"), "model:\n  path: " + Fixtures.dir("bert-seqcls") + "\n"
                + "task: multitask\ndata:\n  strategy: temperature\n  temperature: 2\n  datasets:\n"
                + "    - name: sst\n      task: sequence-classification\n      weight: 1\n      data:\n"
                + "        train: " + train + "\n        validation: " + dev + "\n        text_column: sentence\n        max_length: 16\n"
                + "    - name: general\n      task: mlm\n      weight: 1\n      data:\n        train: " + general
                + "\n        block_size: 16\n        validation_split: 0.2\n"
                + "training:\n  output_dir: " + out + "\n  max_steps: 6\n  per_device_train_batch_size: 4\n"
                + "  eval_strategy: steps\n  eval_steps: 3\n  save_strategy: \"no\"\n  logging_steps: 1\n"
                + "forgetting:\n  general: " + general + "\n  tasks: [" + dev + "]\n  task_text_column: sentence\n"
                + "  block_size: 16\n");
        CliRun r = CliRun.of("train", recipe.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode eval = lastWith(out.resolve("metrics.jsonl"), "eval_sst_accuracy");
        assertThat(eval).as("per-task metrics").isNotNull();
        assertThat(eval.has("eval_general_perplexity")).isTrue();
        assertThat(eval.get("eval_loss").asDouble()).isCloseTo(
                (eval.get("eval_sst_loss").asDouble() + eval.get("eval_general_loss").asDouble()) / 2,
                org.assertj.core.api.Assertions.within(1e-9));
        try (SafeTensors st = SafeTensors.open(out.resolve("model.safetensors"))) {
            List<String> names = st.tensors().stream().map(org.finetune4j.io.TensorInfo::name).toList();
            assertThat(names).contains("bert.pooler.dense.weight", "classifier.weight", "cls.predictions.bias",
                    "cls.predictions.transform.dense.weight").doesNotContain("cls.predictions.decoder.weight");
        }
        JsonNode f = new ObjectMapper().readTree(out.resolve("forgetting.json").toFile());
        assertThat(f.get("objective").asText()).isEqualTo("mlm");
        List<String> metrics = new ArrayList<>();
        f.get("rows").forEach(row -> {
            metrics.add(row.get("metric").asText());
            if (row.get("before").isNumber() && row.get("after").isNumber()) {
                assertThat(row.get("change").asDouble()).isCloseTo(row.get("after").asDouble() - row.get("before").asDouble(),
                        org.assertj.core.api.Assertions.within(1e-9));
            }
        });
        assertThat(metrics).contains("general_mlm_loss", "general_mlm_perplexity", "general_mlm_accuracy",
                "task_dev.tsv_accuracy");

        CliRun cmd = CliRun.of("forgetting", "--before", Fixtures.dir("bert-seqcls").toString(), "--after", out.toString(),
                "--general", general.toString(), "--block-size", "16", "--json");
        assertThat(cmd.code()).as(cmd.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(cmd.out());
        assertThat(j.get("notes").toString()).contains("has no mlm head");
        CliRun table = CliRun.of("forgetting", "--before", out.toString(), "--after", out.toString(), "--general",
                general.toString(), "--block-size", "16", "--max-blocks", "3");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("general_mlm_perplexity").contains("+0.0000").contains("first 3 of");
    }

    @Test
    void badInputNamesTheRecordOrKey(@TempDir Path dir) throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n\n  \n");
        Path missing = Files.writeString(dir.resolve("rows.jsonl"), "{\"text\": \"the park\"}\n{\"body\": \"the day\"}\n");
        Path ok = text(dir, "ok.txt", 20, 6);
        String model = "model:\n  path: " + Fixtures.dir("bert-mlm") + "\ntask: mlm\n";
        String training = "training:\n  output_dir: " + dir.resolve("out") + "\n  max_steps: 1\n";
        CliRun r = CliRun.of("train", Files.writeString(dir.resolve("a.yaml"), model + "data:\n  train: " + empty + "\n" + training)
                .toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains(empty + ": no text");
        r = CliRun.of("train", Files.writeString(dir.resolve("b.yaml"), model + "data:\n  train: " + missing + "\n" + training)
                .toString());
        assertThat(r.err()).contains(missing + ":2: record has no 'text' field");
        r = CliRun.of("train", Files.writeString(dir.resolve("c.yaml"), model + "data:\n  train: " + ok + "\n  block_size: 4096\n"
                + training).toString());
        assertThat(r.err()).contains("data.block_size 4096 exceeds the").contains("positions");
        r = CliRun.of("train", Files.writeString(dir.resolve("d.yaml"), model + "data:\n  train: " + ok + "\n  line_by_line: true\n"
                + "  block_size: 8\n" + training).toString());
        assertThat(r.err()).contains("data.block_size applies when texts are concatenated");
        r = CliRun.of("train", Files.writeString(dir.resolve("e.yaml"), "model:\n  path: " + Fixtures.dir("gpt2-lm")
                + "\ntask: mlm\ndata:\n  train: " + ok + "\n" + training).toString());
        assertThat(r.err()).contains("no mask token");
        r = CliRun.of("train", Files.writeString(dir.resolve("f.yaml"), "model:\n  path: " + Fixtures.dir("bert-seqcls")
                + "\ntask: multitask\ndata:\n  datasets:\n    - name: a\n      task: mlm\n      data: {train: " + ok + "}\n"
                + "    - name: a\n      task: mlm\n      data: {train: " + ok + "}\n" + training).toString());
        assertThat(r.err()).contains("data.datasets[1].name 'a' names two datasets");
        r = CliRun.of("train", Files.writeString(dir.resolve("g.yaml"), model + "data:\n  train: " + ok + "\n" + training
                + "forgetting:\n  general: " + ok + "\n  blocks: 3\n").toString());
        assertThat(r.err()).contains("unknown key 'forgetting.blocks'");
        r = CliRun.of("forgetting", "--before", Fixtures.dir("bert-mlm").toString(), "--after", dir.resolve("nope").toString(),
                "--general", ok.toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("nope: not a model folder");
        assertThat(Files.exists(dir.resolve("out"))).isFalse();
    }
}
