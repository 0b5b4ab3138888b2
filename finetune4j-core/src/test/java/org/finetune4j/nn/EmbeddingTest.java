package org.finetune4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.F;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.finetune4j.train.AdamW;
import org.finetune4j.train.Gradients;
import org.junit.jupiter.api.Test;

/**
 * A trained lookup table's gradient on the CPU arrives sparse and {@link Parameter#grad} makes it dense in a
 * buffer kept between steps: it must equal torch's dense lookup gradient at every step, whatever wrote into
 * the buffer before, and the norm over its rows must equal the norm over the whole table.
 */
class EmbeddingTest {

    private static final int PAD = 0;

    private final Embedding table = new Embedding(50, 4, 0.02, PAD);
    private final Tensor upstream = Torch.randn(2, 5, 4).persist(); // d loss / d lookup

    EmbeddingTest() {
        Torch.manualSeed(7);
        table.weight.set(Torch.randn(50, 4));
    }

    /** Backward of sum(lookup * upstream) through the module (sparse) and, as a reference, torch's dense lookup. */
    private float[] backward(long[] ids) {
        Tensor in = Torch.tensor(ids, 2, 5);
        table.forward(in).mul(upstream).sum().backward();
        Tensor copy = table.weight.data().detach().clone().requiresGrad_(true);
        F.embedding(in, copy, PAD, false).mul(upstream).sum().backward();
        return copy.grad().toFloatArray();
    }

    private static final long[] FIRST = {3, 3, 7, 0, 12, 49, 7, 7, 0, 1};
    private static final long[] SECOND = {5, 6, 0, 0, 0, 40, 41, 42, 5, 1};

    @Test
    void eachStepsGradientIsTorchsDenseOneAndItsNormTheWholeTables() {
        try (Scope s = Scope.open(); Autograd.Guard on = Autograd.enableGrad()) {
            float[] dense = backward(FIRST);
            assertThat(table.weight.data().grad().isSparse()).isTrue();
            assertThat(table.weight.grad().toFloatArray()).containsExactly(dense, within(1e-6f));
            assertThat(table.weight.gradRows().toLongArray()).containsExactly(1, 3, 7, 12, 49); // distinct, no padding row
            double whole = table.weight.data().grad().norm().item();
            assertThat(Gradients.norm(List.of(table.weight))).isCloseTo(whole, within(1e-6));

            try (AdamW opt = new AdamW(List.of(new AdamW.Group(List.of(table.weight), 0.01)), 0.9, 0.999, 1e-8)) {
                opt.step(1e-3, 0.5); // writes the gradient back, halved: the rows stay known
                assertThat(table.weight.gradRows()).isNotNull();
                opt.zeroGrad();
            }
            dense = backward(SECOND); // the first step's rows are cleared, the second's written
            assertThat(table.weight.grad().toFloatArray()).containsExactly(dense, within(1e-6f));
            assertThat(table.weight.gradRows().toLongArray()).containsExactly(1, 5, 6, 40, 41, 42);
        }
    }

    @Test
    void aWriteBeyondTheRowsClearsTheWholeBufferNextStep() {
        try (Scope s = Scope.open(); Autograd.Guard on = Autograd.enableGrad()) {
            backward(FIRST);
            table.weight.grad().add_(1.0); // every row now other than zero
            assertThat(table.weight.gradRows()).isNull();
            assertThat(Gradients.norm(List.of(table.weight))).isCloseTo(table.weight.grad().norm().item(), within(1e-6));
            table.weight.dropGradient();
            float[] dense = backward(SECOND);
            assertThat(table.weight.grad().toFloatArray()).containsExactly(dense, within(1e-6f));
        }
    }

    @Test
    void backwardPassesAddUpBeforeTheGradientIsRead() {
        try (Scope s = Scope.open(); Autograd.Guard on = Autograd.enableGrad()) {
            float[] first = backward(FIRST);
            float[] second = backward(SECOND);
            float[] sum = new float[first.length];
            for (int i = 0; i < sum.length; i++) {
                sum[i] = first[i] + second[i];
            }
            assertThat(table.weight.grad().toFloatArray()).containsExactly(sum, within(1e-6f));
            backward(FIRST); // after the read: added in place, and the rows no longer known
            assertThat(table.weight.gradRows()).isNull();
        }
    }

    @Test
    void withoutGradientsOrFrozenTheLookupIsPlain() {
        try (Scope s = Scope.open()) {
            try (Autograd.Guard off = Autograd.noGrad()) {
                assertThat(table.forward(Torch.tensor(FIRST, 2, 5)).shape()).containsExactly(2, 5, 4);
            }
            table.weight.setTrainable(false);
            try (Autograd.Guard on = Autograd.enableGrad()) {
                assertThat(table.forward(Torch.tensor(FIRST, 2, 5)).requiresGrad()).isFalse();
            }
            assertThat(table.weight.grad()).isNull();
        }
    }
}
