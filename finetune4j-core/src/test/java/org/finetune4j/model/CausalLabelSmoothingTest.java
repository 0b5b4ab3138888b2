package org.finetune4j.model;

import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Label smoothing of a causal LM scores the logits at t against the label at t+1, as LabelSmoother(shift_labels=True). */
class CausalLabelSmoothingTest {

    @Test
    void withoutSmoothingItIsTheCausalLoss() {
        try (Scope scope = Scope.open()) {
            Tensor logits = Torch.randn(2, 4, 5);
            Tensor labels = Torch.tensor(new long[] {-100, 3, 1, -100, -100, -100, 4, 0}, 2, 4);
            float causal = (float) Losses.causalLm(logits, labels).item();
            assertThat((float) Losses.labelSmoothed(logits, labels, 0, true).item()).isCloseTo(causal, within(1e-5f));
            assertThat((float) Losses.labelSmoothed(logits, labels, 0, false).item()).isNotCloseTo(causal, within(1e-3f));
        }
    }
}
