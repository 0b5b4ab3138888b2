package org.finetune4j.distributed;

import java.util.List;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** DiLoCo's outer step is torch.optim.SGD(lr, momentum, nesterov=True) on the delta start - now. */
class OuterStepTest {

    @Test
    void twoOuterStepsAreNesterovSgdOnTheDeltas() {
        try (Scope s = Scope.open(); OuterStep outer = new OuterStep(World.SINGLE, new GradientSync(World.SINGLE, 1 << 20), 0.7, 0.9)) {
            Tensor w = Torch.tensor(new float[] {1, 2}).persist().requiresGrad_(true);
            outer.begin(List.of(w));
            local(w, new float[] {0.5f, 2.5f}); // d = (0.5, -0.5), b = d, w = start - 0.7 (d + 0.9 b)
            outer.apply(List.of(w));
            assertThat(w.toFloatArray()[0]).isCloseTo(1 - 0.7f * 1.9f * 0.5f, within(1e-6f));
            assertThat(w.toFloatArray()[1]).isCloseTo(2 + 0.7f * 1.9f * 0.5f, within(1e-6f));
            float[] start = w.toFloatArray();
            local(w, new float[] {start[0] - 0.1f, start[1] + 0.1f}); // d = (0.1, -0.1), b = 0.9 b + d = (0.55, -0.55)
            outer.apply(List.of(w));
            assertThat(w.toFloatArray()[0]).isCloseTo(start[0] - 0.7f * (0.1f + 0.9f * 0.55f), within(1e-6f));
            assertThat(w.grad()).isNull();
        }
    }

    /** What the inner AdamW steps would have left: {@code w} set to {@code values}. */
    private static void local(Tensor w, float[] values) {
        try (org.finetune4j.tensor.Autograd.Guard off = org.finetune4j.tensor.Autograd.noGrad()) {
            w.copy_(Torch.tensor(values));
        }
    }
}
