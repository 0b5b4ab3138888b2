package org.finetune4j.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The logits warpers and the sampler on a toy vocabulary, checked against their distributions. */
class SamplingTest {

    /** log of probabilities 0.4, 0.3, 0.15, 0.1, 0.05. */
    private static final float[] TOY = logs(0.4, 0.3, 0.15, 0.1, 0.05);

    @Test
    void plainSamplingFollowsTheSoftmax() {
        double[] f = frequencies(new Sampling(true, 1.0, 0, 1.0, 1.0), 200_000);
        double[] p = {0.4, 0.3, 0.15, 0.1, 0.05};
        for (int i = 0; i < p.length; i++) {
            assertThat(f[i]).as("token %d", i).isCloseTo(p[i], within(0.005));
        }
    }

    @Test
    void temperatureSharpensOrFlattens() {
        for (double t : new double[] {0.5, 2.0}) {
            double[] f = frequencies(new Sampling(true, t, 0, 1.0, 1.0), 200_000);
            double[] expected = tempered(new double[] {0.4, 0.3, 0.15, 0.1, 0.05}, t);
            for (int i = 0; i < 5; i++) {
                assertThat(f[i]).as("T=%s token %d", t, i).isCloseTo(expected[i], within(0.005));
            }
        }
    }

    @Test
    void topKKeepsTheKMostLikelyRenormalised() {
        double[] f = frequencies(new Sampling(true, 1.0, 2, 1.0, 1.0), 100_000);
        assertThat(f[0]).isCloseTo(0.4 / 0.7, within(0.006));
        assertThat(f[1]).isCloseTo(0.3 / 0.7, within(0.006));
        assertThat(f[2] + f[3] + f[4]).isZero();
        float[] l = TOY.clone();
        Sampling.topK(l, 10); // k past the vocabulary: nothing filtered
        assertThat(l).containsExactly(TOY);
    }

    @Test
    void topPKeepsTheSmallestNucleusReachingP() {
        // cumulative from the least likely: 0.05, 0.15, 0.30, 0.60, 1.0; p = 0.8 drops those at or below 0.2
        double[] f = frequencies(new Sampling(true, 1.0, 0, 0.8, 1.0), 100_000);
        assertThat(f[3] + f[4]).isZero();
        assertThat(f[0]).isCloseTo(0.4 / 0.85, within(0.006));
        assertThat(f[2]).isCloseTo(0.15 / 0.85, within(0.006));
        float[] l = TOY.clone();
        Sampling.topP(l, 0.01); // a tiny p still keeps the most likely token
        assertThat(l[0]).isFinite();
        assertThat(l[1]).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    @Test
    void warpersRunTemperatureThenTopKThenTopP() {
        float[] l = TOY.clone();
        new Sampling(true, 0.5, 3, 0.7, 1.0).warp(l);
        // T=0.5 squares the probabilities: 0.16, 0.09, 0.0225 over the top 3 -> 0.59, 0.33, 0.08; top-p 0.7 drops the third
        assertThat(l[0]).isFinite();
        assertThat(l[1]).isFinite();
        assertThat(l[2]).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(l[3]).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(l[0]).isCloseTo(2 * TOY[0], within(1e-6f));
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOnce() {
        float[] l = {2f, -2f, 1f, 0.5f};
        Sampling.penalise(l, new long[] {0, 1, 1, 0}, 2.0);
        assertThat(l).containsExactly(1f, -4f, 1f, 0.5f);
        float[] g = {1f, 1.5f, 1.2f};
        assertThat(new Sampling(false, 1, 0, 1, 2.0).next(g, new long[] {1}, new Random(0))).isEqualTo(2);
    }

    @Test
    void presenceAndFrequencyPenaltiesCountOnlyGeneratedTokens() {
        float[] l = {2f, 2f, 2f, 2f};
        Sampling.penaliseGenerated(l, new long[] {3, 0, 1, 1, 1}, 1, 0.5, 0.25); // 3 is the prompt
        assertThat(l).containsExactly(1.25f, 0.75f, 2f, 2f); // 2 - 0.25 * count - 0.5
        Sampling s = new Sampling(false, 1, 0, 1, 1.0, 0, 1.0);
        assertThat(s.next(new float[] {3f, 2.5f}, new long[] {0, 0}, 1, new Random(0))).isEqualTo(1);
        assertThat(s.next(new float[] {3f, 2.5f}, new long[] {0, 0}, 2, new Random(0))).isEqualTo(0);
    }

    @Test
    void greedyTakesTheFirstLargestAndSamplingIsSeeded() {
        assertThat(Sampling.GREEDY.next(new float[] {1, 3, 3, 2}, new long[0], new Random(0))).isEqualTo(1);
        Sampling s = new Sampling(true, 1.0, 0, 1.0, 1.0);
        Random a = new Random(42);
        Random b = new Random(42);
        for (int i = 0; i < 100; i++) {
            assertThat(s.next(TOY.clone(), new long[0], a)).isEqualTo(s.next(TOY.clone(), new long[0], b));
        }
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new Sampling(true, 0, 0, 1, 1)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new Sampling(true, 1, -1, 1, 1)).hasMessageContaining("top-k");
        assertThatThrownBy(() -> new Sampling(true, 1, 0, 0, 1)).hasMessageContaining("top-p");
        assertThatThrownBy(() -> new Sampling(true, 1, 0, 1.5, 1)).hasMessageContaining("top-p");
        assertThatThrownBy(() -> new Sampling(true, 1, 0, 1, 0)).hasMessageContaining("penalty");
    }

    private static double[] frequencies(Sampling s, int n) {
        Random rng = new Random(1);
        double[] f = new double[TOY.length];
        for (int i = 0; i < n; i++) {
            f[(int) s.next(TOY.clone(), new long[0], rng)] += 1.0 / n;
        }
        return f;
    }

    private static double[] tempered(double[] p, double t) {
        double[] out = new double[p.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            out[i] = Math.pow(p[i], 1 / t);
            sum += out[i];
        }
        for (int i = 0; i < p.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    private static float[] logs(double... p) {
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = (float) Math.log(p[i]);
        }
        return out;
    }
}
