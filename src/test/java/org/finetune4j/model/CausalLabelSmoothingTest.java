package org.finetune4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Label smoothing of a causal LM scores the logits at t against the label at t+1, as LabelSmoother(shift_labels=True). */
class CausalLabelSmoothingTest {

    @Test
    void withoutSmoothingItIsTheCausalLoss() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.randomNormal(new Shape(2, 4, 5));
            NDArray labels = m.create(new long[] {-100, 3, 1, -100, -100, -100, 4, 0}, new Shape(2, 4));
            float causal = Losses.causalLm(logits, labels).getFloat();
            assertThat(Losses.labelSmoothed(logits, labels, 0, true).getFloat()).isCloseTo(causal, within(1e-5f));
            assertThat(Losses.labelSmoothed(logits, labels, 0, false).getFloat()).isNotCloseTo(causal, within(1e-3f));
        }
    }
}
