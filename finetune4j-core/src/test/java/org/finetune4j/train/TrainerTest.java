package org.finetune4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.recipe.Recipe;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainerTest {

    @TempDir
    Path dir;

    private final PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

    /** Runs a recipe; the listener sees every step's loss. */
    private Map<String, Double> run(Path recipe, List<Double> losses, Trainer.StepListener extra, String... overrides)
            throws IOException {
        Recipe r = Recipe.load(recipe, List.of(overrides));
        try (Scope scope = Scope.open()) {
            Trainer.Job job = r.job(quiet);
            try (RunLock lock = Runs.prepare(r.training(), quiet)) {
                return new Trainer(job, quiet).onStep((step, loss) -> {
                    losses.add(loss);
                    extra.afterStep(step, loss);
                }).train();
            }
        }
    }

    /** Thrown by a listener to stop a run abruptly, as a kill would, after a checkpoint. */
    static final class Crash extends RuntimeException {}

    @Test
    void resumedRunRepeatsTheUninterruptedLossesExactly() throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 40, 1);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 12", "save_steps: 6", "warmup_steps: 2");
        List<Double> full = new ArrayList<>();
        run(recipe, full, (s, l) -> {}, "training.output_dir=" + dir.resolve("a"));

        List<Double> first = new ArrayList<>();
        assertThatThrownBy(() -> run(recipe, first, (s, l) -> {
            if (s == 8) {
                throw new Crash(); // steps 7 and 8 ran but checkpoint-6 is the last saved
            }
        }, "training.output_dir=" + dir.resolve("b"))).isInstanceOf(Crash.class);
        assertThat(Checkpoints.step(Checkpoints.list(dir.resolve("b")).get(0))).isEqualTo(6);

        List<Double> rest = new ArrayList<>();
        run(recipe, rest, (s, l) -> {}, "training.output_dir=" + dir.resolve("b"), "training.resume_from_checkpoint=true");
        assertThat(first.subList(0, 6)).isEqualTo(full.subList(0, 6));
        assertThat(rest).isEqualTo(full.subList(6, 12));
        JsonNode[] log = lines(dir.resolve("b/metrics.jsonl"));
        assertThat(log).extracting(n -> n.path("step").asInt()).startsWith(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    }

    /**
     * A bfloat16 base under bf16 autocast trains float32 master weights; its checkpoints hold the model
     * in bfloat16 and the masters beside the moments, so a resumed run repeats the losses exactly.
     */
    @Test
    void resumingABf16BaseRepeatsTheLossesExactly() throws Exception {
        Path base = java.nio.file.Paths.get(getClass().getResource("/bf16/bert-seqcls-bf16").toURI());
        Path train = TrainerFixture.tsv(dir, "train.tsv", 40, 1);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 8", "save_steps: 4", "bf16: true");
        String model = "model.path=" + base;
        List<Double> full = new ArrayList<>();
        run(recipe, full, (s, l) -> {}, model, "training.output_dir=" + dir.resolve("a"));
        assertThatThrownBy(() -> run(recipe, new ArrayList<>(), (s, l) -> {
            if (s == 5) {
                throw new Crash();
            }
        }, model, "training.output_dir=" + dir.resolve("b"))).isInstanceOf(Crash.class);
        List<Double> rest = new ArrayList<>();
        run(recipe, rest, (s, l) -> {}, model, "training.output_dir=" + dir.resolve("b"), "training.resume_from_checkpoint=true");
        assertThat(rest).isEqualTo(full.subList(4, 8));
        try (org.finetune4j.io.SafeTensors st = org.finetune4j.io.SafeTensors.open(dir.resolve("a/model.safetensors"))) {
            assertThat(st.tensors()).allMatch(t -> t.dtype() == org.finetune4j.tensor.DType.BF16);
        }
    }

    @Test
    void aRunKilledWithSigkillResumesToTheSameLosses() throws Exception {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 40, 1);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 12", "save_steps: 3", "warmup_steps: 2");
        List<Double> full = new ArrayList<>();
        run(recipe, full, (s, l) -> {}, "training.output_dir=" + dir.resolve("a"));

        Path out = dir.resolve("b");
        Process child = new ProcessBuilder(java(), "-Dai.djl.offline=true", "-Dfinetune4j.threads=2",
                "-cp", System.getProperty("java.class.path"), KillableRun.class.getName(), recipe.toString(), "7",
                "training.output_dir=" + out).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<Double> first = new ArrayList<>();
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()))) {
            for (String line = lines.readLine(); line != null && !line.equals("STOPPED"); line = lines.readLine()) {
                first.add(Double.parseDouble(line.split(" ")[2]));
            }
        } finally {
            child.destroyForcibly(); // SIGKILL on Linux
            child.waitFor();
        }
        assertThat(first).isEqualTo(full.subList(0, 7));
        assertThat(Checkpoints.list(out)).extracting(Checkpoints::step).containsExactly(3, 6);

        List<Double> rest = new ArrayList<>();
        run(recipe, rest, (s, l) -> {}, "training.output_dir=" + out, "training.resume_from_checkpoint=true");
        assertThat(rest).isEqualTo(full.subList(6, 12));
    }

    @Test
    void resumingAFinishedRunTrainsNoFurther() throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 40, 1);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 7", "save_steps: 7");
        run(recipe, new ArrayList<>(), (s, l) -> {}, "training.output_dir=" + dir.resolve("a"));
        assertThatThrownBy(() -> run(recipe, new ArrayList<>(), (s, l) -> {
            if (s == 7) {
                throw new Crash(); // killed after the last checkpoint, before the final save
            }
        }, "training.output_dir=" + dir.resolve("b"))).isInstanceOf(Crash.class);
        for (String out : new String[] {"a", "b"}) {
            List<Double> more = new ArrayList<>();
            run(recipe, more, (s, l) -> {}, "training.output_dir=" + dir.resolve(out), "training.resume_from_checkpoint=true");
            assertThat(more).as(out).isEmpty();
            assertThat(lines(dir.resolve(out).resolve("metrics.jsonl"))).as(out)
                    .extracting(n -> n.path("step").asInt()).containsExactly(1, 2, 3, 4, 5, 6, 7, 7);
        }
    }

    @Test
    void resumeIgnoresHalfWrittenCheckpoints() throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 24, 8);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 4", "save_steps: 2");
        run(recipe, new ArrayList<>(), (s, l) -> {});
        Path out = dir.resolve("out");
        Files.createDirectories(out.resolve("tmp-checkpoint-9"));
        Files.createDirectories(out.resolve("checkpoint-8")); // renamed but without trainer_state.json: not complete
        assertThat(Runs.resumePoint(Recipe.load(recipe, List.of("training.resume_from_checkpoint=true")).training()))
                .isEqualTo(out.resolve("checkpoint-4"));
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Test
    void gradientAccumulationEqualsOneBigBatch() throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 16, 2);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 2", "save_strategy: 'no'");
        List<Double> big = new ArrayList<>();
        run(recipe, big, (s, l) -> {}, "training.output_dir=" + dir.resolve("big"), "training.per_device_train_batch_size=8");
        List<Double> acc = new ArrayList<>();
        run(recipe, acc, (s, l) -> {}, "training.output_dir=" + dir.resolve("acc"), "training.per_device_train_batch_size=4",
                "training.gradient_accumulation_steps=2");
        assertThat(acc.get(0)).isCloseTo(big.get(0), org.assertj.core.api.Assertions.within(1e-6));
        assertThat(acc.get(1)).isCloseTo(big.get(1), org.assertj.core.api.Assertions.within(1e-5));
    }

    @Test
    void savesAnHfFolderWithLabelsAndResults() throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 32, 3);
        Path dev = TrainerFixture.tsv(dir, "dev.tsv", 12, 4);
        Path recipe = TrainerFixture.recipe(dir, train, dev, "num_train_epochs: 2", "eval_strategy: epoch",
                "save_strategy: epoch", "save_total_limit: 1", "load_best_model_at_end: true", "metric_for_best_model: accuracy");
        Map<String, Double> results = run(recipe, new ArrayList<>(), (s, l) -> {});
        Path out = dir.resolve("out");
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertThat(config.path("architectures").get(0).asText()).isEqualTo("BertForSequenceClassification");
        assertThat(config.path("id2label").path("0").asText()).isEqualTo("negative");
        assertThat(config.path("label2id").path("positive").asInt()).isEqualTo(1);
        assertThat(results).containsKeys("eval_loss", "eval_accuracy", "eval_f1", "epoch");
        assertThat(Files.exists(out.resolve("eval_results.json"))).isTrue();
        assertThat(Files.exists(out.resolve("vocab.txt"))).isTrue();
        assertThat(Checkpoints.list(out)).hasSize(1); // save_total_limit 1 keeps the best only
        try (Scope scope = Scope.open()) {
            TransformerModel reloaded = Pretrained.load(out, null, 0).model();
            assertThat(reloaded.config.common().numLabels()).isEqualTo(2);
        }
    }

    @Test
    void earlyStoppingStopsAfterPatienceEvaluationsWithoutImprovement() throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 32, 9);
        Path dev = TrainerFixture.tsv(dir, "dev.tsv", 8, 10);
        // a threshold no change can beat: every evaluation after the first counts against patience 2
        Path recipe = TrainerFixture.recipe(dir, train, dev, "max_steps: 40", "eval_strategy: steps", "eval_steps: 2",
                "save_strategy: 'no'", "early_stopping_patience: 2", "early_stopping_threshold: 100",
                "metric_for_best_model: loss");
        List<Double> losses = new ArrayList<>();
        run(recipe, losses, (s, l) -> {});
        assertThat(losses).hasSize(6); // evaluations at steps 2 (best), 4, 6 (patience 2 reached)
        JsonNode[] log = lines(dir.resolve("out/metrics.jsonl"));
        assertThat(java.util.Arrays.stream(log).filter(n -> n.has("eval_loss")).count()).isEqualTo(3);
    }

    @Test
    void frozenParametersDoNotMove() throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 16, 11);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 3", "save_strategy: 'no'");
        Files.writeString(recipe, Files.readString(recipe) + "freeze:\n  embeddings: true\n  first_layers: 1\n");
        run(recipe, new ArrayList<>(), (s, l) -> {});
        try (Scope scope = Scope.open()) {
            var before = Pretrained.load(org.finetune4j.Fixtures.dir("bert-seqcls"), null, 0).model().namedParameters();
            var after = Pretrained.load(dir.resolve("out"), null, 0).model().namedParameters();
            for (String name : List.of("bert.embeddings.word_embeddings.weight", "bert.encoder.layer.0.output.dense.weight")) {
                assertThat(after.get(name).data().toFloatArray()).as(name).containsExactly(before.get(name).data().toFloatArray());
            }
            String moved = "bert.encoder.layer.1.output.dense.weight";
            assertThat(after.get(moved).data().toFloatArray()).as(moved).isNotEqualTo(before.get(moved).data().toFloatArray());
        }
    }

    @Test
    void gradientCheckpointingRepeatsThePlainLosses() throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 16, 12);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 3", "save_strategy: 'no'");
        List<Double> plain = new ArrayList<>();
        run(recipe, plain, (s, l) -> {}, "training.output_dir=" + dir.resolve("plain"));
        List<Double> ck = new ArrayList<>();
        run(recipe, ck, (s, l) -> {}, "training.output_dir=" + dir.resolve("ck"), "training.gradient_checkpointing=true");
        assertThat(ck).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(ck.get(i)).isCloseTo(plain.get(i), org.assertj.core.api.Assertions.within(1e-6));
        }
    }

    @Test
    void anEightBitBaseStaysPutWhileTheRestTrains() throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 16, 13);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 3", "save_strategy: 'no'", "gradient_checkpointing: true");
        List<Double> losses = new ArrayList<>();
        run(recipe, losses, (s, l) -> {}, "model.load_in_8bit=true");
        assertThat(losses).hasSize(3).allMatch(l -> Double.isFinite(l));
        try (Scope scope = Scope.open()) {
            Path fixture = org.finetune4j.Fixtures.dir("bert-seqcls");
            var q = Pretrained.load(fixture, org.finetune4j.model.ModelConfig.read(fixture), null, 0, true).model().namedParameters();
            var after = Pretrained.load(dir.resolve("out"), null, 0).model().namedParameters(); // saved dequantized
            String frozen = "bert.encoder.layer.0.output.dense.weight";
            assertThat(after.get(frozen).data().toFloatArray()).as(frozen).containsExactly(q.get(frozen).value().toFloatArray());
            String moved = "bert.encoder.layer.0.output.dense.bias";
            assertThat(after.get(moved).data().toFloatArray()).as(moved).isNotEqualTo(q.get(moved).data().toFloatArray());
        }
    }

    @Test
    void labelSmoothingMatchesItsDefinition() {
        try (Scope scope = Scope.open()) {
            var logits = Torch.tensor(new float[] {2f, 0f, -1f, 0.5f, 0.5f, 3f}, 2, 3);
            var labels = Torch.tensor(new long[] {0, 2});
            double eps = 0.1;
            double expected = 0;
            float[] x = logits.toFloatArray();
            for (int r = 0; r < 2; r++) {
                double lse = Math.log(Math.exp(x[3 * r]) + Math.exp(x[3 * r + 1]) + Math.exp(x[3 * r + 2]));
                double nll = lse - x[3 * r + (r == 0 ? 0 : 2)];
                double smooth = (3 * lse - x[3 * r] - x[3 * r + 1] - x[3 * r + 2]) / 3;
                expected += ((1 - eps) * nll + eps * smooth) / 2;
            }
            assertThat(org.finetune4j.model.Losses.labelSmoothed(logits, labels, eps).item())
                    .isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-6));
        }
    }

    @Test
    void refusesAnOutputDirHoldingAnotherRun() throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 8, 5);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 1");
        run(recipe, new ArrayList<>(), (s, l) -> {});
        byte[] before = Files.readAllBytes(dir.resolve("out/model.safetensors"));
        assertThatThrownBy(() -> run(recipe, new ArrayList<>(), (s, l) -> {}))
                .isInstanceOf(Finetune4jException.class).hasMessageContaining("already holds a run")
                .hasMessageContaining("overwrite_output_dir");
        assertThat(Files.readAllBytes(dir.resolve("out/model.safetensors"))).isEqualTo(before);
        run(recipe, new ArrayList<>(), (s, l) -> {}, "training.overwrite_output_dir=true");
    }

    @Test
    void aNonFiniteLossStopsTheRunNamingTheStep() throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 16, 6);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 4", "max_grad_norm: 0", "learning_rate: 1.0e+30",
                "lr_scheduler_type: constant");
        assertThatThrownBy(() -> run(recipe, new ArrayList<>(), (s, l) -> {}))
                .isInstanceOf(Finetune4jException.class).hasMessageMatching("step \\d: the loss is NaN.*");
    }

    /**
     * The test JVM pre-touches a fixed heap (pom.xml: -Xms = -Xmx, AlwaysPreTouch), so resident
     * memory that grows between step 50 and step 200 is native memory the steps did not free.
     */
    @Test
    void nativeMemoryStaysFlatOver200Steps() throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 64, 7);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 200", "save_strategy: 'no'", "logging_steps: 50");
        long[] rss = new long[2];
        run(recipe, new ArrayList<>(), (s, l) -> {
            if (s == 50) {
                rss[0] = Memory.rssBytes();
            } else if (s == 200) {
                rss[1] = Memory.rssBytes();
            }
        });
        assertThat(rss[1] - rss[0]).as("RSS growth from step 50 to 200, bytes").isLessThan(16L << 20);
    }

    private static JsonNode[] lines(Path file) throws IOException {
        ObjectMapper m = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) {
            out.add(m.readTree(l));
        }
        return out.toArray(new JsonNode[0]);
    }
}
