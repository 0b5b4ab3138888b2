package org.finetune4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Dropout in a CPU training step, from numbers drawn a step ahead: inverted dropout's values and rate, masks that
 * hang on the step's seed alone (not on how many numbers were drawn ahead), replays, and libtorch's dropout
 * outside a step or past what a stream holds.
 */
class DropoutDrawsTest {

    private static final float KEPT = (float) (1 / (1 - 0.1));

    @Test
    void keepsOneMinusPOfTheElementsScaledByItsInverse() {
        try (Scope s = Scope.open(); DropoutDraws draws = DropoutDraws.forCurrentDevice(); DropoutDraws.Step step = draws.step(3, 4)) {
            float[] y = F.dropout(Torch.ones(DType.F32, 200_000), 0.1, true).toFloatArray();
            long kept = 0;
            for (float v : y) {
                assertThat(v == 0 || v == KEPT).as("value %s", v).isTrue();
                kept += v == 0 ? 0 : 1;
            }
            assertThat(kept / 200_000.0).isCloseTo(0.9, within(0.004)); // 6 standard deviations
            assertThat(F.dropout(Torch.ones(DType.BF16, 8, 8), 0.1, true).dtype()).isEqualTo(DType.BF16);
        }
    }

    @Test
    void aStepsMasksHangOnItsSeedAloneNotOnWhatWasDrawnAhead() {
        try (Scope s = Scope.open()) {
            float[][] cold;
            try (DropoutDraws draws = DropoutDraws.forCurrentDevice(); DropoutDraws.Step step = draws.step(7, 8)) { // nothing drawn ahead
                cold = masks();
            }
            float[][] warm;
            try (DropoutDraws draws = DropoutDraws.forCurrentDevice()) {
                try (DropoutDraws.Step first = draws.step(5, 6)) {
                    F.dropout(Torch.ones(DType.F32, 50_000), 0.1, true); // so later steps get 50,000 drawn ahead
                }
                try (DropoutDraws.Step second = draws.step(6, 7)) { // step 7's 50,000 are drawn meanwhile
                }
                try (DropoutDraws.Step third = draws.step(7, 8)) {
                    warm = masks();
                }
            }
            for (int i = 0; i < cold.length; i++) {
                assertThat(warm[i]).as("dropout %d", i).containsExactly(cold[i]);
            }
            try (DropoutDraws draws = DropoutDraws.forCurrentDevice(); DropoutDraws.Step other = draws.step(9, 10)) {
                assertThat(masks()[0]).isNotEqualTo(cold[0]);
            }
        }
    }

    @Test
    void aReplayTakesTheSameNumbersAndPutsTheStreamBack() {
        try (Scope s = Scope.open(); DropoutDraws draws = DropoutDraws.forCurrentDevice(); DropoutDraws.Step step = draws.step(1, 2)) {
            Tensor x = Torch.ones(DType.F32, 1000);
            F.dropout(x, 0.1, true);
            long at = DropoutDraws.position();
            float[] first = F.dropout(x, 0.5, true).toFloatArray();
            float[] next = F.dropout(x, 0.5, true).toFloatArray();
            try (DropoutDraws.Replay again = DropoutDraws.replay(at)) {
                assertThat(F.dropout(x, 0.5, true).toFloatArray()).containsExactly(first);
            }
            assertThat(DropoutDraws.position()).isEqualTo(at + 2000);
            assertThat(F.dropout(x, 0.5, true).toFloatArray()).isNotEqualTo(next);
        }
    }

    @Test
    void outsideAStepOrPastTheStreamLibtorchDrops() {
        try (Scope s = Scope.open()) {
            assertThat(DropoutDraws.position()).isEqualTo(-1);
            Torch.manualSeed(5);
            float[] a = F.dropout(Torch.ones(DType.F32, 1000), 0.1, true).toFloatArray();
            try (DropoutDraws draws = DropoutDraws.forCurrentDevice(); DropoutDraws.Step step = draws.step(1, 2)) {
                Torch.manualSeed(5);
                float[] past = F.dropout(Torch.ones(DType.F32, DropoutDraws.MOST + 1), 0.1, true).narrow(0, 0, 1000).toFloatArray();
                assertThat(past).containsExactly(a); // libtorch's generator, as outside a step
                assertThat(DropoutDraws.position()).isZero();
            }
            Torch.manualSeed(5);
            assertThat(F.dropout(Torch.ones(DType.F32, 1000), 0.1, true).toFloatArray()).containsExactly(a);
        }
    }

    /** Three dropouts of sizes that cross the 50,000 numbers drawn ahead in the test above. */
    private static float[][] masks() {
        return new float[][] {
            F.dropout(Torch.ones(DType.F32, 40_000), 0.1, true).toFloatArray(),
            F.dropout(Torch.ones(DType.F32, 40_000), 0.2, true).toFloatArray(),
            F.dropout(Torch.ones(DType.F32, 100_000), 0.1, true).toFloatArray()};
    }
}
