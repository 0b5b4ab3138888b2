package org.finetune4j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Spark in local mode ({@code local[2]}): a barrier stage of 2 tasks trains the bert-seqcls fixture as 2
 * ranks of batch 4, to the losses of one process with batch 8; a rank that fails fails the job with
 * its rank named, in one line.
 */
class SparkTrainTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void localSpark() {
        System.setProperty("spark.master", "local[2]");
        System.setProperty("spark.ui.enabled", "false");
        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
    }

    @AfterAll
    static void done() {
        System.clearProperty("spark.master");
    }

    private static Path recipe() throws IOException {
        Random rng = new Random(11);
        String[] good = {"good", "great", "nice", "happy"};
        String[] bad = {"bad", "cold", "late", "lazy"};
        String[] fill = {"the", "movie", "food", "day", "park"};
        List<String> rows = new ArrayList<>(List.of("sentence\tlabel"));
        for (int i = 0; i < 48; i++) {
            boolean pos = rng.nextBoolean();
            StringBuilder s = new StringBuilder();
            for (int w = 0; w < 3 + rng.nextInt(6); w++) {
                s.append(w == 0 ? "" : " ").append(w % 3 == 1 ? (pos ? good : bad)[rng.nextInt(4)] : fill[rng.nextInt(5)]);
            }
            rows.add(s + "\t" + (pos ? "positive" : "negative"));
        }
        Files.write(dir.resolve("train.tsv"), rows);
        Files.write(dir.resolve("dev.tsv"), rows.subList(0, 14));
        Path model = Path.of("finetune4j-core/src/test/resources/fixtures/bert-seqcls").toAbsolutePath();
        String yaml = "model:\n  path: " + model + "\ntask: sequence-classification\ndata:\n  train: " + dir.resolve("train.tsv")
                + "\n  validation: " + dir.resolve("dev.tsv") + "\n  text_column: sentence\n  label_column: label\n  max_length: 16\n"
                + "training:\n  output_dir: " + dir.resolve("out") + "\n  max_steps: 6\n  learning_rate: 1.0e-3\n  logging_steps: 1\n"
                + "  per_device_train_batch_size: 4\n  save_steps: 3\n  seed: 5\n";
        Path f = dir.resolve("recipe.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private static List<Double> losses(Path metrics) throws IOException {
        List<Double> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(metrics)) {
            JsonNode e = json.readTree(line);
            if (e.has("loss")) {
                out.add(e.get("loss").asDouble());
            }
        }
        return out;
    }

    @Test
    void aBarrierStageOfTwoTasksTrainsAsOneProcessWithTwiceTheBatch() throws Exception {
        Path recipe = recipe();
        assertThat(org.finetune4j.cli.Main.run("train", recipe.toString(), "training.per_device_train_batch_size=8",
                "training.output_dir=" + dir.resolve("one"))).isZero();
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = SparkTrain.run(recipe.toString(), "distributed.nproc=2", "training.output_dir=" + dir.resolve("two"));
        } finally {
            System.setOut(out);
        }
        assertThat(code).isZero();
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("\"step\":6"); // rank 0's lines reached the driver
        List<Double> one = losses(dir.resolve("one/metrics.jsonl"));
        List<Double> two = losses(dir.resolve("two/metrics.jsonl"));
        assertThat(two).hasSize(6);
        for (int i = 0; i < 6; i++) {
            assertThat(two.get(i)).isCloseTo(one.get(i), within(1e-4)); // as logged: rounded to 4 decimals
        }
        assertThat(dir.resolve("two/model.safetensors")).isRegularFile();
        assertThat(dir.resolve("two/checkpoint-6/trainer_state.json")).isRegularFile();
    }

    @Test
    void aFailingRankFailsTheJobWithItsRankNamed() throws Exception {
        Path recipe = recipe();
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = SparkTrain.run(recipe.toString(), "distributed.nproc=2", "training.output_dir=" + file.resolve("out"));
        } finally {
            System.setErr(err);
        }
        assertThat(code).isEqualTo(1);
        String last = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("error: ")).reduce((a, b) -> b)
                .orElseThrow();
        assertThat(last).matches("error: rank [01] \\(pid \\d+ on [^)]+\\) exited with code 1; the run stopped.*");
    }
}
