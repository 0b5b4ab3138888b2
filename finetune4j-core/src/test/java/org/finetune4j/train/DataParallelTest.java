package org.finetune4j.train;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.distributed.RankThreads;
import org.finetune4j.distributed.World;
import org.finetune4j.io.SafeTensors;
import org.finetune4j.recipe.Recipe;
import org.finetune4j.tensor.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Data parallelism is exact: 2 ranks with per-device batch 4 (two threads of this JVM, each a rank of a
 * Gloo group over 127.0.0.1) give the same per-step losses and final weights as 1 rank with batch 8
 * on the same data order, over 5 AdamW steps with clipping; also with gradient accumulation 2 and
 * with LoRA, and with a token budget. Gradient buckets are made small so that several are summed.
 */
class DataParallelTest {

    @TempDir
    Path dir;

    private final PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

    /** The per-step losses of a run of the recipe as rank {@code world.rank()}. */
    private List<Double> train(Path recipe, World world, String... overrides) throws IOException {
        Recipe r = Recipe.load(recipe, List.of(overrides));
        List<Double> losses = Collections.synchronizedList(new ArrayList<>());
        try (Scope scope = Scope.open()) {
            Trainer.Job job = r.job(quiet);
            if (world.main()) {
                Runs.prepare(r.training(), quiet).close(); // output_dir prepared, its lock released for the next run in this JVM
            }
            new Trainer(job, quiet).in(world, 16 << 10).onStep((s, l) -> losses.add(l)).train();
        }
        return losses;
    }

    /** Rank 0's losses of the recipe run by {@code n} ranks, one thread each; every rank logs the same (global) losses. */
    private List<Double> trainOnRanks(int n, Path recipe, String... overrides) throws Exception {
        List<List<Double>> ranks = RankThreads.run(n, w -> train(recipe, w, overrides));
        ranks.forEach(l -> assertThat(l).isEqualTo(ranks.get(0)));
        return ranks.get(0);
    }

    private static Map<String, float[]> weights(Path file) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(file)) {
            for (org.finetune4j.io.TensorInfo t : st.tensors()) {
                java.nio.FloatBuffer f = st.data(t.name()).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                float[] v = new float[f.remaining()];
                f.get(v);
                out.put(t.name(), v);
            }
        }
        return out;
    }

    private void assertSameRun(List<Double> one, List<Double> two, Path oneFile, Path twoFile) {
        assertThat(two).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertThat(two.get(i)).as("loss of step %d", i + 1).isCloseTo(one.get(i), within(1e-5));
        }
        Map<String, float[]> a = weights(oneFile);
        Map<String, float[]> b = weights(twoFile);
        assertThat(b.keySet()).isEqualTo(a.keySet());
        for (String name : a.keySet()) {
            float[] x = a.get(name);
            float[] y = b.get(name);
            // A key bias adds the same q.b to every score of a softmax row, so its exact gradient is zero: what it
            // gets is rounding noise (about 1e-9), which differs with the order of any sum, and AdamW divides by
            // its own size, so each step moves it by up to the learning rate either way (1e-3 here).
            double tolerance = name.endsWith("attention.self.key.bias") ? 5 * 2 * 1e-3 : 1e-5;
            for (int i = 0; i < x.length; i++) {
                assertThat((double) y[i]).as(name + "[" + i + "]").isCloseTo(x[i], within(tolerance));
            }
        }
    }

    private Path recipe(int rows, String... training) throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", rows, 3);
        Path dev = TrainerFixture.tsv(dir, "dev.tsv", 13, 4); // evaluation batches of 4, 4, 4, 1: two a rank
        List<String> lines = new ArrayList<>(List.of("max_steps: 5", "max_grad_norm: 0.5", "lr_scheduler_type: constant",
                "weight_decay: 0.01", "save_strategy: 'no'", "per_device_eval_batch_size: 4"));
        lines.addAll(List.of(training));
        return TrainerFixture.recipe(dir, train, dev, lines.toArray(String[]::new));
    }

    /** The sharded evaluation at the end gives the whole set's metrics. */
    private void assertSameEvaluation() throws IOException {
        com.fasterxml.jackson.databind.JsonNode a = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve("one/eval_results.json").toFile());
        com.fasterxml.jackson.databind.JsonNode b = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve("two/eval_results.json").toFile());
        assertThat(b.get("eval_loss").asDouble()).isCloseTo(a.get("eval_loss").asDouble(), within(1e-5));
        assertThat(b.get("eval_accuracy").asDouble()).isEqualTo(a.get("eval_accuracy").asDouble());
        assertThat(b.get("eval_f1").asDouble()).isEqualTo(a.get("eval_f1").asDouble());
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("two/confusion_matrix.json").toFile()))
                .isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("one/confusion_matrix.json").toFile()));
    }

    @Test
    void twoRanksOfFourAreOneRankOfEight() throws Exception {
        Path recipe = recipe(40);
        List<Double> one = train(recipe, World.SINGLE, "training.output_dir=" + dir.resolve("one"),
                "training.per_device_train_batch_size=8");
        List<Double> two = trainOnRanks(2, recipe, "training.output_dir=" + dir.resolve("two"),
                "training.per_device_train_batch_size=4");
        assertSameRun(one, two, dir.resolve("one/model.safetensors"), dir.resolve("two/model.safetensors"));
        assertSameEvaluation();
    }

    @Test
    void withGradientAccumulation() throws Exception {
        Path recipe = recipe(80, "gradient_accumulation_steps: 2");
        List<Double> one = train(recipe, World.SINGLE, "training.output_dir=" + dir.resolve("one"),
                "training.per_device_train_batch_size=8");
        List<Double> two = trainOnRanks(2, recipe, "training.output_dir=" + dir.resolve("two"),
                "training.per_device_train_batch_size=4");
        assertSameRun(one, two, dir.resolve("one/model.safetensors"), dir.resolve("two/model.safetensors"));
    }

    @Test
    void withLora() throws Exception {
        Path base = recipe(40);
        Path recipe = dir.resolve("lora.yaml");
        java.nio.file.Files.writeString(recipe, java.nio.file.Files.readString(base)
                + "peft:\n  method: lora\n  r: 4\n  lora_alpha: 8\n  target_modules: [query, value]\n  init_lora_weights: gaussian\n");
        List<Double> one = train(recipe, World.SINGLE, "training.output_dir=" + dir.resolve("one"),
                "training.per_device_train_batch_size=8");
        List<Double> two = trainOnRanks(2, recipe, "training.output_dir=" + dir.resolve("two"),
                "training.per_device_train_batch_size=4");
        assertSameRun(one, two, dir.resolve("one/adapter_model.safetensors"), dir.resolve("two/adapter_model.safetensors"));
    }

    /**
     * With data.max_tokens_per_batch rank r takes every second batch of the plan from r, so 2 ranks are 1 rank
     * accumulating 2 batches: the same steps over batches of unequal numbers of examples, the same losses and weights.
     */
    @Test
    void aTokenBudgetOnTwoRanksIsOneRankAccumulatingTwo() throws Exception {
        Path recipe = recipe(80);
        List<Double> one = train(recipe, World.SINGLE, "training.output_dir=" + dir.resolve("one"),
                "data.max_tokens_per_batch=40", "training.gradient_accumulation_steps=2");
        List<Double> two = trainOnRanks(2, recipe, "training.output_dir=" + dir.resolve("two"), "data.max_tokens_per_batch=40");
        assertSameRun(one, two, dir.resolve("one/model.safetensors"), dir.resolve("two/model.safetensors"));
    }
}
