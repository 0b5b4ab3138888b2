package org.finetune4j.model;

import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The token-classification and QA head losses on fixed logits, against Transformers 5's
 * BertForQuestionAnswering loss (positions clamped to [0, T], T ignored, start and end averaged)
 * and CrossEntropyLoss over labels that are not -100 (values computed with torch).
 */
class TaskHeadsLossTest {

    private static final float[] QA = {0.5f, -1.0f, 1.5f, 0.25f, -0.75f, 2.0f, 0.0f, 0.5f, 1.0f, -0.5f,
        2.0f, 0.0f, -1.0f, 1.0f, 0.5f, 0.5f, 1.25f, -2.0f, 0.0f, 3.0f};

    @Test
    void questionAnsweringClampsAndIgnoresAsTransformers() {
        assertThat(qaLoss(new long[] {-3, 2}, new long[] {7, 4})).isCloseTo(1.1125061511993408, within(1e-6));
        assertThat(qaLoss(new long[] {1, 3}, new long[] {2, 4})).isCloseTo(0.7205933928489685, within(1e-6));
        assertThat(qaLoss(new long[] {0, 9}, new long[] {5, 1})).isCloseTo(2.0381524562835693, within(1e-6));
    }

    @Test
    void tokenClassificationAveragesOverLabelledTokens() {
        float[] logits = {0.1f, 0.2f, -0.3f, 1.0f, -1.0f, 0.5f, 0.0f, 0.0f, 2.0f, 0.3f, 0.3f, 0.3f,
            -0.5f, 1.5f, 0.0f, 2.0f, 1.0f, 0.0f, 0.25f, -0.25f, 1.0f, 1.0f, 1.0f, -1.0f};
        try (Scope scope = Scope.open()) {
            Tensor l = Torch.tensor(logits, 2, 4, 3);
            Tensor y = Torch.tensor(new long[] {0, -100, 2, 1, -100, 0, -100, 2}, 2, 4);
            Inputs in = Inputs.of(Torch.zeros(DType.I64, 2, 4), null).withLabels(y);
            assertThat((float) Heads.tokenClassification(l, in).loss().item()).isCloseTo(1.1050429344177246f, within(1e-6f));
        }
    }

    private static double qaLoss(long[] start, long[] end) {
        try (Scope scope = Scope.open()) {
            Tensor logits = Torch.tensor(QA, 2, 5, 2);
            Inputs in = Inputs.of(Torch.zeros(DType.I64, 2, 5), null)
                    .withSpans(Torch.tensor(start), Torch.tensor(end));
            return Heads.questionAnswering(logits, in).loss().item();
        }
    }
}
