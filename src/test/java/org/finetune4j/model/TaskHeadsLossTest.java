package org.finetune4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

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
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray l = m.create(logits, new Shape(2, 4, 3));
            NDArray y = m.create(new long[] {0, -100, 2, 1, -100, 0, -100, 2}, new Shape(2, 4));
            Inputs in = Inputs.of(m.zeros(new Shape(2, 4), ai.djl.ndarray.types.DataType.INT64), null).withLabels(y);
            assertThat(Heads.tokenClassification(l, in).loss().getFloat()).isCloseTo(1.1050429344177246f, within(1e-6f));
        }
    }

    private static double qaLoss(long[] start, long[] end) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(QA, new Shape(2, 5, 2));
            Inputs in = Inputs.of(m.zeros(new Shape(2, 5), ai.djl.ndarray.types.DataType.INT64), null)
                    .withSpans(m.create(start), m.create(end));
            return Heads.questionAnswering(logits, in).loss().getFloat();
        }
    }
}
