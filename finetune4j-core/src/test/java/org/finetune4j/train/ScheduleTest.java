package org.finetune4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Values of Transformers' schedule lambdas, worked out from their definitions (warm-up 2, total 10). */
class ScheduleTest {

    @Test
    void linearWarmsUpThenDecaysToZero() {
        Schedule s = new Schedule("linear", 2, 10);
        assertThat(s.factor(0, 1)).isEqualTo(0.0);
        assertThat(s.factor(1, 1)).isEqualTo(0.5);
        assertThat(s.factor(2, 1)).isEqualTo(1.0);
        assertThat(s.factor(6, 1)).isEqualTo(0.5); // (10 - 6) / (10 - 2)
        assertThat(s.factor(10, 1)).isEqualTo(0.0);
    }

    @Test
    void cosineFollowsHalfACosine() {
        Schedule s = new Schedule("cosine", 2, 10);
        assertThat(s.factor(6, 1)).isCloseTo(0.5, within(1e-12)); // progress 0.5: 0.5 (1 + cos(pi / 2))
        assertThat(s.factor(4, 1)).isCloseTo(0.5 * (1 + Math.cos(Math.PI * 0.25)), within(1e-12));
        assertThat(s.factor(10, 1)).isCloseTo(0.0, within(1e-12));
    }

    @Test
    void constantIgnoresWarmupButConstantWithWarmupDoesNot() {
        assertThat(new Schedule("constant", 2, 10).factor(0, 1)).isEqualTo(1.0);
        assertThat(new Schedule("constant_with_warmup", 2, 10).factor(1, 1)).isEqualTo(0.5);
        assertThat(new Schedule("constant_with_warmup", 2, 10).factor(9, 1)).isEqualTo(1.0);
    }

    @Test
    void polynomialDecaysLinearlyToLrEnd() {
        Schedule s = new Schedule("polynomial", 2, 10);
        double peak = 1e-3;
        assertThat(s.factor(6, peak)).isCloseTo(((peak - 1e-7) * 0.5 + 1e-7) / peak, within(1e-12));
        assertThat(s.factor(11, peak)).isCloseTo(1e-7 / peak, within(1e-12));
    }
}
