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
    void labelsThatDoNotFitTheModelAreBlamedOnTheData() throws IOException {
        Path dev = data("dev.tsv", "sentence\tlabel", "good food\tpositive", "bad day\tnegative");
        Path one = data("one.tsv", "sentence\tlabel", "a good movie\tpositive", "great music\tpositive");
        assertOneLineError(CliRun.of("train", recipe(one, dev)), "one.tsv: every row has the label 'positive' (2 rows",
                "needs at least two classes");
        Path three = data("three.tsv", "sentence\tlabel", "a good movie\t1", "the bad coffee\t0", "the old room\t99");
        assertOneLineError(CliRun.of("train", recipe(three, data("dev3.tsv", "sentence\tlabel", "good\t1"))),
                "three.tsv: the labels found are [0, 1, 99] (3 classes), but the BertForSequenceClassification in",
                "has 2 [LABEL_0, LABEL_1]");
        Path nan = data("nan.tsv", "sentence\tlabel", "a good movie\t1", "the bad coffee\tNaN");
        assertOneLineError(CliRun.of("train", recipe(nan, dev)), "nan.tsv:3", "no label (NaN)");
        assertThat(Files.exists(dir.resolve("out"))).isFalse();
    }

    @Test
    void aRunPrintsHowManyRowsEachClassHas() throws IOException {
        List<String> rows = new java.util.ArrayList<>(List.of(TRAIN));
        for (int i = 0; i < 8; i++) {
            rows.addAll(List.of(TRAIN).subList(1, TRAIN.length));
        }
        rows.add("a nice day\tpostive");
        Path train = data("train.tsv", rows.toArray(String[]::new));
        Path dev = data("dev.tsv", "sentence\tlabel", "good food\tpositive", "bad day\tnegative");
        String console = jobConsole(recipe(train, dev), "model.path=" + Fixtures.dir("bert-mlm"));
        assertThat(console).contains("labels in " + train + ": negative 27, positive 27, postive 1",
                "note: the label 'postive' occurs only once (" + train + ":56): misspelled?",
                "labels in " + dev + ": negative 1, positive 1, postive 0");
    }

    /** What building the recipe's job prints (the start of a run). */
    static String jobConsole(Path recipe, String... overrides) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.PrintStream console = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8)) {
            org.finetune4j.recipe.Recipe.load(recipe, List.of(overrides)).job(console);
        }
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void numericLabelsGetTheirNames() throws IOException {
        Path train = data("train.tsv", java.util.Arrays.stream(TRAIN).map(l -> l.replace("\tpositive", "\t1")
                .replace("\tnegative", "\t0")).toArray(String[]::new));
        Path dev = data("dev.tsv", "sentence\tlabel", "good food\t1", "bad day\t0");
        assertThat(CliRun.of("train", recipe(train, dev), "data.label_names=[negative, positive]").code()).isZero();
        CliRun predict = CliRun.of("predict", "--model", dir.resolve("out"), "a good day");
        assertThat(new ObjectMapper().readTree(predict.out()).get("probabilities").fieldNames())
                .toIterable().containsExactly("negative", "positive");
        Path bad = data("bad.tsv", "sentence\tlabel", "good food\t1", "bad day\t2");
        assertOneLineError(CliRun.of("train", recipe(train, bad), "data.label_names=[negative, positive]",
                "training.overwrite_output_dir=true"), "bad.tsv:3: label '2'");
    }

    @Test
    void recipeErrorsNameTheKey() throws IOException {
        Path r = recipe(data("train.tsv", TRAIN), data("dev.tsv", TRAIN));
        assertOneLineError(CliRun.of("train", r, "data.max_length=100"), "recipe.yaml", "data.max_length 100 exceeds the 64 positions");
        assertOneLineError(CliRun.of("train", r, "training.learning_rat=1"), "override 'training.learning_rat=1'",
                "training.learning_rat");
        assertOneLineError(CliRun.of("train", r, "training.max_steps=many"), "override 'training.max_steps=many'",
                "must be an integer");
        assertThat(CliRun.of("train", r, "notakeyvalue").code()).isEqualTo(1);
    }

    private static void assertOneLineError(CliRun run, String... parts) {
        assertThat(run.code()).as(run.err()).isEqualTo(1);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.errLines()[0]).startsWith("error: ").contains(parts).doesNotContain("\tat ");
    }
}
