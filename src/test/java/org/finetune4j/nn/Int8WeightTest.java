package org.finetune4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The 8-bit linear computed over blocks of output rows equals the one over the whole dequantized weight. */
class Int8WeightTest {

    @Test
    void blocksOfRowsGiveTheWholeWeightsOutputAndInputGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            Int8Weight w = Int8Weight.quantize(m.randomNormal(new Shape(10, 6)), false, m); // [out 10, in 6]
            NDArray bias = m.randomNormal(new Shape(10));
            NDArray x = m.randomNormal(new Shape(2, 3, 6));
            float[][] whole = run(x, g -> g.matMul(w.dequantize(m).transpose()).add(bias));
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
    private static float[][] run(NDArray x0, java.util.function.UnaryOperator<NDArray> f) {
        NDArray x = x0.duplicate();
        x.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = f.apply(x);
            gc.backward(y.mul(y).sum());
            return new float[][] {y.toFloatArray(), x.getGradient().toFloatArray()};
        }
    }
}
