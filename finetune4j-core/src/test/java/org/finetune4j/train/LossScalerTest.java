package org.finetune4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fp16's dynamic loss scale as torch.amp.GradScaler's defaults, on CPU tensors with injected inf and NaN gradients. */
class LossScalerTest {

    @TempDir
    Path dir;

    private static Tensor leaf(float... grad) {
        Tensor w = Torch.zeros(org.finetune4j.tensor.DType.F32, grad.length).requiresGrad_(true);
        w.setGrad(Torch.tensor(grad));
        return w;
    }

    @Test
    void scalesTheLossAndUnscalesFiniteGradients() {
        try (Scope s = Scope.open()) {
            LossScaler scaler = new LossScaler();
            assertThat(scaler.scale()).isEqualTo(65536);
            assertThat(scaler.scaled(Torch.tensor(new float[] {0.5f})).item()).isEqualTo(32768);
            Tensor a = leaf(65536, -131072);
            Tensor b = leaf(6.5536f);
            Tensor frozen = Torch.zeros(org.finetune4j.tensor.DType.F32, 2).requiresGrad_(true); // no gradient: left alone
            assertThat(scaler.unscale(List.of(a, b, frozen))).isTrue();
            assertThat(a.grad().toFloatArray()).containsExactly(1, -2);
            assertThat(b.grad().toFloatArray()[0]).isCloseTo(1e-4f, org.assertj.core.data.Offset.offset(1e-9f));
            assertThat(frozen.grad()).isNull();
            scaler.update(true);
            assertThat(scaler.scale()).isEqualTo(65536);
            assertThat(scaler.growthTracker()).isEqualTo(1);
            assertThat(scaler.skippedSteps()).isZero();
        }
    }

    @Test
    void anInfOrNanGradientSkipsTheStepAndHalvesTheScale() {
        try (Scope s = Scope.open()) {
            LossScaler scaler = new LossScaler(65536, 1999, 0);
            assertThat(scaler.unscale(List.of(leaf(1, 2), leaf(Float.POSITIVE_INFINITY, 0)))).isFalse();
            scaler.update(false);
            assertThat(scaler.scale()).isEqualTo(32768);
            assertThat(scaler.growthTracker()).isZero(); // a skipped step restarts the count towards growth
            assertThat(scaler.skippedSteps()).isEqualTo(1);
            assertThat(scaler.unscale(List.of(leaf(Float.NaN)))).isFalse();
            scaler.update(false);
            assertThat(scaler.scale()).isEqualTo(16384);
            assertThat(scaler.skippedSteps()).isEqualTo(2);
        }
    }

    @Test
    void growsAfterTwoThousandFiniteStepsInARow() {
        LossScaler scaler = new LossScaler();
        for (int i = 0; i < 1999; i++) {
            scaler.update(true);
        }
        assertThat(scaler.scale()).isEqualTo(65536);
        scaler.update(true);
        assertThat(scaler.scale()).isEqualTo(131072);
        assertThat(scaler.growthTracker()).isZero();
    }

    @Test
    void aCheckpointKeepsTheScalerState() throws IOException {
        Files.writeString(dir.resolve("scheduler.json"), "{\"type\":\"linear\",\"loss_scale\":8192.0,\"growth_tracker\":17,\"skipped_steps\":3}");
        LossScaler back = Checkpoints.scaler(dir);
        assertThat(back.scale()).isEqualTo(8192);
        assertThat(back.growthTracker()).isEqualTo(17);
        assertThat(back.skippedSteps()).isEqualTo(3);
        Files.writeString(dir.resolve("scheduler.json"), "{\"type\":\"linear\"}"); // a run that was not fp16
        assertThat(Checkpoints.scaler(dir).scale()).isEqualTo(65536);
    }
}
