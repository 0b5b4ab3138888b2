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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** NER and extractive QA through train, eval and predict on the tiny fixture encoders, and their data errors. */
class TaskCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static final String CONLL = """
            -DOCSTART- O

            the O
            teacher B-PER
            sat O
            in O
            paris B-LOC
            city I-LOC

            she O
            bought O
            bread O
            near O
            the O
            river B-LOC

            """;

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private Path nerRecipe(String model, Path train, Path dev) throws IOException {
        return write("ner.yaml", String.join("\n", "model:", "  path: " + Fixtures.dir(model), "  init: random",
                "task: token-classification", "data:", "  train: " + train, "  validation: " + dev,
                "training:", "  output_dir: " + dir.resolve("ner"), "  max_steps: 2", "  per_device_train_batch_size: 2",
                "  logging_steps: 1", "  save_strategy: 'no'", "  eval_strategy: steps", "  eval_steps: 2", ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert-seqcls", "roberta-seqcls"})
    void nerTrainEvalPredict(String model) throws IOException {
        Path train = write("train.txt", CONLL);
        CliRun run = CliRun.of("train", nerRecipe(model, train, train));
        assertThat(run.code()).as(run.err()).isZero();
        Path out = dir.resolve("ner");
        JsonNode results = JSON.readTree(out.resolve("eval_results.json").toFile());
        assertThat(results.has("eval_f1") && results.has("eval_precision") && results.has("eval_accuracy")).isTrue();
        assertThat(results.get("eval_LOC_number").asDouble()).isEqualTo(2);
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertThat(config.get("architectures").get(0).asText()).endsWith("ForTokenClassification");
        assertThat(config.get("id2label").toString()).isEqualTo("{\"0\":\"B-LOC\",\"1\":\"B-PER\",\"2\":\"I-LOC\",\"3\":\"O\"}");

        CliRun eval = CliRun.of("eval", "--model", out, "--data", train, "--json");
        assertThat(eval.code()).as(eval.err()).isZero();
        assertThat(JSON.readTree(eval.out()).get("eval_f1").asDouble()).isEqualTo(results.get("eval_f1").asDouble());

        String text = "the teacher sat in paris";
        CliRun predict = CliRun.of("predict", "--model", out, text);
        assertThat(predict.code()).as(predict.err()).isZero();
        JsonNode line = JSON.readTree(predict.out().trim());
        assertThat(line.get("text").asText()).isEqualTo(text);
        for (JsonNode e : line.get("entities")) {
            assertThat(text.substring(e.get("start").asInt(), e.get("end").asInt())).isEqualTo(e.get("word").asText());
            assertThat(e.get("entity").asText()).isIn("PER", "LOC");
        }
    }

    private static final String CONTEXT = "the quick brown fox jumps over the lazy dog in the park and the cat sat on the mat"
            + " near the river after the lunch in the garden";

    private static final String SQUAD = """
            {"version": "1.1", "data": [{"title": "t", "paragraphs": [{"context": "%s", "qas": [
              {"id": "a", "question": "who sat on the mat?", "answers": [{"text": "the cat", "answer_start": 60}]},
              {"id": "b", "question": "where?", "answers": [{"text": "the garden", "answer_start": 117}]},
              {"id": "c", "question": "who jumps?", "answers": [{"text": "fox", "answer_start": 16}]}]}]}]}
            """.formatted(CONTEXT);

    @ParameterizedTest
    @ValueSource(strings = {"distilbert-seqcls"})
    void qaTrainEvalPredict(String model) throws IOException {
        Path train = write("squad.json", SQUAD);
        Path r = write("qa.yaml", String.join("\n", "model:", "  path: " + Fixtures.dir(model), "  init: random",
                "task: question-answering", "data:", "  train: " + train, "  validation: " + train, "  max_length: 32",
                "  doc_stride: 8", "training:", "  output_dir: " + dir.resolve("qa"), "  max_steps: 2",
                "  per_device_train_batch_size: 4", "  save_strategy: 'no'", "  eval_strategy: steps", "  eval_steps: 2", ""));
        CliRun run = CliRun.of("train", r);
        assertThat(run.code()).as(run.err()).isZero();
        Path out = dir.resolve("qa");
        JsonNode results = JSON.readTree(out.resolve("eval_results.json").toFile());
        double em = results.get("eval_exact_match").asDouble();
        assertThat(em).isBetween(0.0, 100.0);

        CliRun eval = CliRun.of("eval", "--model", out, "--data", train, "--max-length", "32", "--doc-stride", "8", "--json",
                "--write-predictions", dir.resolve("pred.json"));
        assertThat(eval.code()).as(eval.err()).isZero();
        assertThat(JSON.readTree(eval.out()).get("eval_exact_match").asDouble()).isEqualTo(em);
        CliRun score = CliRun.of("squad-eval", "--data", train, "--predictions", dir.resolve("pred.json"), "--json");
        assertThat(score.code()).as(score.err()).isZero();
        assertThat(JSON.readTree(score.out()).get("exact_match").asDouble()).isEqualTo(em);

        CliRun predict = CliRun.of("predict", "--model", out, "--question", "who sat on the mat?", "--context", CONTEXT,
                "--max-length", "32", "--doc-stride", "8");
        assertThat(predict.code()).as(predict.err()).isZero();
        JsonNode a = JSON.readTree(predict.out().trim());
        assertThat(CONTEXT.substring(a.get("start").asInt(), a.get("end").asInt())).isEqualTo(a.get("answer").asText());
    }

    @Test
    void firstSentenceBaselineIsScoredWithTheOfficialMetric() throws IOException {
        Path data = write("squad.json", SQUAD.replace(CONTEXT, "The cat sat. It was on the mat."
                + " " + CONTEXT.substring(0, 10)).replace("\"answer_start\": 60", "\"answer_start\": 0").replace(
                "\"text\": \"the cat\"", "\"text\": \"The cat sat.\""));
        CliRun score = CliRun.of("squad-eval", "--data", data, "--baseline", "first-sentence", "--json");
        assertThat(score.code()).as(score.err()).isZero();
        JsonNode m = JSON.readTree(score.out());
        assertThat(m.get("exact_match").asDouble()).isCloseTo(100.0 / 3, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(m.get("questions").asInt()).isEqualTo(3);
    }

    @Test
    void badTaskDataIsOneLineNamingThePlace() throws IOException {
        Path jsonl = write("bad.jsonl", "{\"tokens\": [\"the\"], \"ner_tags\": [\"O\"]}\n{\"tokens\": [\"a\", \"b\"], \"ner_tags\": [\"O\"]}\n");
        assertOneLineError(CliRun.of("train", nerRecipe("bert-seqcls", jsonl, jsonl)), "bad.jsonl:2", "2 tokens but 1 tags");
        Path squad = write("squad.json", SQUAD.replace("\"answer_start\": 117", "\"answer_start\": 3"));
        Path r = write("qa.yaml", String.join("\n", "model:", "  path: " + Fixtures.dir("bert-seqcls"), "  init: random",
                "task: question-answering", "data:", "  train: " + squad, "  max_length: 32", "  doc_stride: 8",
                "training:", "  output_dir: " + dir.resolve("qa"), "  max_steps: 1", ""));
        assertOneLineError(CliRun.of("train", r), "squad.json", "data[0].paragraphs[0].qas[1]", "not at answer_start 3");
        assertOneLineError(CliRun.of("train", r, "data.doc_stride=40"), "override 'data.doc_stride=40'", "doc_stride");
        assertThat(Files.exists(dir.resolve("qa"))).isFalse();
        assertOneLineError(CliRun.of("train", r, "data.skip_bad_exemples=true"), "override 'data.skip_bad_exemples=true'",
                "did you mean skip_bad_examples?");
    }

    private static void assertOneLineError(CliRun run, String... parts) {
        assertThat(run.code()).as(run.err()).isEqualTo(1);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.errLines()[0]).startsWith("error: ").contains(parts).doesNotContain("\tat ");
    }

}
