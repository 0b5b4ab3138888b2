package org.finetune4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Fixtures;
import org.finetune4j.io.SafeTensors;
import org.finetune4j.io.TensorInfo;
import org.finetune4j.recipe.Recipe;
import org.finetune4j.tensor.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fp16's loss scaling in the Trainer, run on the CPU in float32 (fp16 itself needs a GPU): a power-of-two
 * scale changes nothing, and a scale that overflows skips the steps, leaves the weights as they were and
 * holds the learning-rate schedule.
 */
class LossScalingTrainerTest {

    @TempDir
    Path dir;

    private final PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

    private List<Double> run(String out, LossScaler scaler) throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 24, 1);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 3", "save_strategy: 'no'", "max_grad_norm: 0.5");
        Recipe r = Recipe.load(recipe, List.of("training.output_dir=" + dir.resolve(out)));
        List<Double> losses = new ArrayList<>();
        try (Scope scope = Scope.open()) {
            Trainer.Job job = r.job(quiet);
            try (RunLock lock = Runs.prepare(r.training(), quiet)) {
                Trainer t = new Trainer(job, quiet).onStep((step, loss) -> losses.add(loss));
                (scaler == null ? t : t.lossScaling(scaler)).train();
            }
        }
        return losses;
    }

    @Test
    void aPowerOfTwoScaleGivesTheUnscaledRun() throws IOException {
        List<Double> plain = run("plain", null);
        LossScaler scaler = new LossScaler();
        assertThat(run("scaled", scaler)).isEqualTo(plain);
        assertThat(scaler.skippedSteps()).isZero();
        assertThat(scaler.growthTracker()).isEqualTo(3);
    }

    @Test
    void anOverflowingScaleSkipsEveryStepAndHoldsTheWeightsAndTheSchedule() throws IOException {
        LossScaler scaler = new LossScaler(1e42, 0, 0); // inf in float32, halved or not: every gradient is inf or NaN
        run("overflow", scaler);
        assertThat(scaler.skippedSteps()).isEqualTo(3);
        assertThat(scaler.scale()).isEqualTo(1e42 / 8);
        List<Double> lrs = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("overflow/metrics.jsonl"))) {
            JsonNode e = new ObjectMapper().readTree(line);
            if (e.has("learning_rate")) {
                lrs.add(e.get("learning_rate").asDouble());
            }
        }
        assertThat(lrs).hasSize(3).containsOnly(1e-3); // the linear decay waits for a step that was taken
        try (SafeTensors before = SafeTensors.open(Fixtures.dir("bert-seqcls").resolve("model.safetensors"));
                SafeTensors after = SafeTensors.open(dir.resolve("overflow/model.safetensors"))) {
            for (TensorInfo t : after.tensors()) {
                if (before.info(t.name()) != null) {
                    assertThat(after.data(t.name())).as(t.name()).isEqualTo(before.data(t.name()));
                }
            }
        }
    }
}
