package org.finetune4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {

    private static final double EPS = 1e-12;

    // y_true = [0, 0, 0, 1, 1, 2, 2, 2, 2, 0]
    // y_pred = [0, 1, 0, 1, 0, 2, 2, 0, 2, 0]
    // confusion (rows true, columns predicted) = [[3, 1, 0], [1, 1, 0], [1, 0, 3]]
    // sklearn: accuracy 7/10; per class P = [3/5, 1/2, 3/3], R = [3/4, 1/2, 3/4],
    // F1 = 2TP/(2TP+FP+FN) = [6/9, 2/4, 6/7]; macro P = 2.1/3 = 0.7, macro R = 2/3,
    // macro F1 = (2/3 + 1/2 + 6/7) / 3 = 85/126
    private static final long[] TRUE = {0, 0, 0, 1, 1, 2, 2, 2, 2, 0};
    private static final long[] PRED = {0, 1, 0, 1, 0, 2, 2, 0, 2, 0};

    @Test
    void handComputedThreeClassExample() {
        ClassificationMetrics m = new ClassificationMetrics(List.of("neg", "neu", "pos"));
        m.add(PRED, TRUE);
        assertThat(m.count()).isEqualTo(10);
        assertThat(m.confusion()).isEqualTo(new long[][] {{3, 1, 0}, {1, 1, 0}, {1, 0, 3}});
        assertThat(m.accuracy()).isCloseTo(0.7, within(EPS));
        assertThat(m.precision(0)).isCloseTo(0.6, within(EPS));
        assertThat(m.recall(0)).isCloseTo(0.75, within(EPS));
        assertThat(m.f1(0)).isCloseTo(2.0 / 3, within(EPS));
        assertThat(m.f1(1)).isCloseTo(0.5, within(EPS));
        assertThat(m.precision(2)).isCloseTo(1.0, within(EPS));
        assertThat(m.f1(2)).isCloseTo(6.0 / 7, within(EPS));
        assertThat(m.macroPrecision()).isCloseTo(0.7, within(EPS));
        assertThat(m.macroRecall()).isCloseTo(2.0 / 3, within(EPS));
        assertThat(m.macroF1()).isCloseTo(85.0 / 126, within(EPS));
    }

    @Test
    void streamingInBatchesEqualsAllAtOnce() {
        ClassificationMetrics all = new ClassificationMetrics(List.of("neg", "neu", "pos"));
        all.add(PRED, TRUE);
        ClassificationMetrics streamed = new ClassificationMetrics(List.of("neg", "neu", "pos"));
        for (int from = 0; from < TRUE.length; from += 3) {
            int to = Math.min(TRUE.length, from + 3);
            streamed.add(Arrays.copyOfRange(PRED, from, to), Arrays.copyOfRange(TRUE, from, to));
        }
        assertThat(streamed.asMap("eval")).isEqualTo(all.asMap("eval"));
    }

    @Test
    void asMapKeys() {
        ClassificationMetrics m = new ClassificationMetrics(List.of("neg", "neu", "pos"));
        m.add(PRED, TRUE);
        Map<String, Double> map = m.asMap("eval");
        assertThat(map.keySet()).containsExactly("eval_accuracy", "eval_precision", "eval_recall", "eval_f1",
                "eval_f1_neg", "eval_f1_neu", "eval_f1_pos");
        assertThat(map.get("eval_f1")).isCloseTo(85.0 / 126, within(EPS));
        assertThat(map.get("eval_f1_pos")).isCloseTo(6.0 / 7, within(EPS));
        assertThat(m.asMap("").keySet()).startsWith("accuracy", "precision");
    }

    @Test
    void neverPredictedAndAbsentClasses() {
        // labels a, b, c, d; y_true = [0, 0, 1, 1], y_pred = [0, 0, 0, 0]
        // a: P = 2/4, R = 1, F1 = 4/6; b never predicted: P = 0, R = 0, F1 = 0; c and d occur nowhere,
        // so sklearn's macro averages run over a and b only: P = 0.25, R = 0.5, F1 = 1/3
        ClassificationMetrics m = new ClassificationMetrics(List.of("a", "b", "c", "d"));
        m.add(new long[] {0, 0, 0, 0}, new long[] {0, 0, 1, 1});
        assertThat(m.accuracy()).isEqualTo(0.5);
        assertThat(m.precision(1)).isZero();
        assertThat(m.f1(1)).isZero();
        assertThat(m.f1(3)).isZero();
        assertThat(m.macroPrecision()).isCloseTo(0.25, within(EPS));
        assertThat(m.macroRecall()).isCloseTo(0.5, within(EPS));
        assertThat(m.macroF1()).isCloseTo(1.0 / 3, within(EPS));
    }

    @Test
    void predictedButNeverTrue() {
        // y_true = [0, 0], y_pred = [0, 1]: class 1 has P = 0/1, R = 0/0 -> 0, F1 0; class 0 P 1, R 1/2, F1 2/3
        ClassificationMetrics m = new ClassificationMetrics(List.of("0", "1"));
        m.add(0, 0);
        m.add(1, 0);
        assertThat(m.recall(1)).isZero();
        assertThat(m.macroF1()).isCloseTo(1.0 / 3, within(EPS));
        assertThat(m.macroRecall()).isCloseTo(0.25, within(EPS));
    }

    @Test
    void logitsArgmaxTakesTheFirstMaximum() {
        ClassificationMetrics m = new ClassificationMetrics(List.of("x", "y", "z"));
        m.addLogits(new float[] {1f, 3f, 3f, /* row 2 */ 0.5f, -1f, 0.2f}, new long[] {1, 2});
        assertThat(m.confusion()).isEqualTo(new long[][] {{0, 0, 0}, {0, 1, 0}, {1, 0, 0}});
    }

    @Test
    void emptyAndInvalid() {
        ClassificationMetrics m = new ClassificationMetrics(List.of("x", "y"));
        assertThat(m.asMap("eval").values()).containsOnly(0.0);
        assertThatThrownBy(() -> m.add(2, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("class ids must be in [0, 2), got predicted 2, true 0");
    }
}
