package org.finetune4j.nn;

import org.assertj.core.data.Offset;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/** The 8-bit linear computed over blocks of output rows equals the one over the whole dequantized weight. */
class Int8WeightTest {

    @Test
    void blocksOfRowsGiveTheWholeWeightsOutputAndInputGradient() {
        try (Scope scope = Scope.open()) {
            Torch.manualSeed(3);
            Int8Weight w = Int8Weight.quantize(Torch.randn(10, 6), false); // [out 10, in 6]
            Tensor bias = Torch.randn(10);
            Tensor x = Torch.randn(2, 3, 6);
            float[][] whole = run(x, g -> g.matmul(w.dequantize().t()).add(bias));
            float[][] blocks = run(x, g -> w.linear(g, bias, 4 * 6)); // 4 rows a block: 4, 4, 2
            assertThat(blocks[0]).containsExactly(whole[0], near(whole[0]));
            assertThat(blocks[1]).containsExactly(whole[1], near(whole[1]));
            assertThat(blocks[0]).containsExactly(run(x, g -> w.linear(g, bias))[0], near(whole[0]));
        }
    }

    /** Float32 rounding: the scale multiplies the output here, the weight there. */
    private static Offset<Float> near(float[] v) {
        float max = 0;
        for (float f : v) {
            max = Math.max(max, Math.abs(f));
        }
        return Offset.offset(1e-6f * max);
    }

    /** {y, dL/dx} for L = sum(y * y). */
    private static float[][] run(Tensor x0, java.util.function.UnaryOperator<Tensor> f) {
        Tensor x = x0.clone();
        x.requiresGrad_(true);
        try (Autograd.Guard grad = Autograd.enableGrad()) {
            Tensor y = f.apply(x);
            y.mul(y).sum().backward();
            return new float[][] {y.toFloatArray(), x.grad().toFloatArray()};
        }
    }
}
