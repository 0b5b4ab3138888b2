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

/** train, eval and predict through the CLI, and the data errors a user meets first. */
class TrainCommandsTest {

    @TempDir
    Path dir;

    private Path data(String name, String... rows) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, List.of(rows));
        return f;
    }

    private Path recipe(Path train, Path dev) throws IOException {
        Path r = dir.resolve("recipe.yaml");
        Files.writeString(r, String.join("\n",
                "model:", "  path: " + Fixtures.dir("bert-seqcls"),
                "data:", "  train: " + train, "  validation: " + dev, "  text_column: sentence",
                "training:", "  output_dir: " + dir.resolve("out"), "  max_steps: 3", "  per_device_train_batch_size: 2",
                "  logging_steps: 1", "  save_strategy: 'no'", "  eval_strategy: steps", "  eval_steps: 3", ""));
        return r;
    }

    private static final String[] TRAIN = {"sentence\tlabel", "a good movie\tpositive", "the bad coffee\tnegative",
        "nice and warm\tpositive", "cold and late\tnegative", "great music\tpositive", "the old room\tnegative"};

    @Test
    void trainThenEvalThenPredict() throws IOException {
        Path train = data("train.tsv", TRAIN);
        Path dev = data("dev.tsv", "sentence\tlabel", "good food\tpositive", "bad day\tnegative");
        assertThat(CliRun.of("train", recipe(train, dev)).code()).isZero();
        Path out = dir.resolve("out");
        JsonNode results = new ObjectMapper().readTree(out.resolve("eval_results.json").toFile());
        assertThat(results.has("eval_accuracy")).isTrue();

        CliRun eval = CliRun.of("eval", "--model", out, "--data", dev, "--text-column", "sentence", "--json");
        assertThat(eval.code()).as(eval.err()).isZero();
        JsonNode m = new ObjectMapper().readTree(eval.out());
        assertThat(m.get("eval_accuracy").asDouble()).isEqualTo(results.get("eval_accuracy").asDouble());
        assertThat(m.get("labels").toString()).isEqualTo("[\"negative\",\"positive\"]");

        CliRun predict = CliRun.of("predict", "--model", out, "a good day", "bad coffee");
        assertThat(predict.code()).as(predict.err()).isZero();
        String[] lines = predict.out().trim().split("\n");
        assertThat(lines).hasSize(2);
        JsonNode first = new ObjectMapper().readTree(lines[0]);
        assertThat(first.get("label").asText()).isIn("negative", "positive");
        assertThat(first.get("probabilities").get("negative").asDouble() + first.get("probabilities").get("positive").asDouble())
                .isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
    }

    @Test
    void dataErrorsNameTheFileAndThePlace() throws IOException {
        Path train = data("train.tsv", TRAIN);
        assertOneLineError(CliRun.of("train", recipe(train, data("dev.tsv", "text\tlabel", "good\tpositive"))),
                "dev.tsv", "sentence");
        assertOneLineError(CliRun.of("train", recipe(train, data("dev.tsv", "sentence\tlabel", "good\tneutral"))),
                "dev.tsv:2", "neutral");
        assertOneLineError(CliRun.of("train", recipe(train, data("dev.tsv", "sentence\tlabel", " \tpositive"))),
                "dev.tsv:2", "empty");
        Path latin1 = dir.resolve("dev.tsv");
        Files.write(latin1, "sentence\tlabel\ncaf\u00e9\tpositive\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertOneLineError(CliRun.of("train", recipe(train, latin1)), "dev.tsv", "UTF-8");
        assertThat(Files.exists(dir.resolve("out"))).isFalse();
    }

    @Test
    void recipeErrorsNameTheKey() throws IOException {
        Path r = recipe(data("train.tsv", TRAIN), data("dev.tsv", TRAIN));
        assertOneLineError(CliRun.of("train", r, "data.max_length=100"), "recipe.yaml", "data.max_length 100 exceeds the 64 positions");
        assertOneLineError(CliRun.of("train", r, "training.learning_rat=1"), "recipe.yaml", "training.learning_rat");
        assertOneLineError(CliRun.of("train", r, "training.max_steps=many"), "recipe.yaml", "must be an integer");
        assertThat(CliRun.of("train", r, "notakeyvalue").code()).isEqualTo(1);
    }

    private static void assertOneLineError(CliRun run, String... parts) {
        assertThat(run.code()).as(run.err()).isEqualTo(1);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.errLines()[0]).startsWith("error: ").contains(parts).doesNotContain("\tat ");
    }
}
