package org.finetune4j.generate;

import java.util.Arrays;
import java.util.Random;

/**
 * Choosing the next token from one row's last-position logits [V], in Transformers' order: the
 * repetition penalty, then OpenAI's presence and frequency penalties (over the generated tokens
 * only: {@code logit - frequency * count - presence * (count > 0)}), then the warpers temperature,
 * top-k and top-p (tokens filtered out become -inf, at least one token is always kept), then
 * argmax (greedy) or a draw from the softmax.
 */
public record Sampling(boolean sample, double temperature, int topK, double topP, double repetitionPenalty,
        double presencePenalty, double frequencyPenalty) {

    /** Greedy decoding, no penalty. */
    public static final Sampling GREEDY = new Sampling(false, 1.0, 0, 1.0, 1.0);

    /** Without presence and frequency penalties. */
    public Sampling(boolean sample, double temperature, int topK, double topP, double repetitionPenalty) {
        this(sample, temperature, topK, topP, repetitionPenalty, 0, 0);
    }

    public Sampling {
        if (sample && !(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0 to sample, not " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be 0 (off) or more, not " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], not " + topP);
        }
        if (!(repetitionPenalty > 0)) {
            throw new IllegalArgumentException("repetition penalty must be > 0, not " + repetitionPenalty);
        }
        if (!Double.isFinite(presencePenalty) || !Double.isFinite(frequencyPenalty)) {
            throw new IllegalArgumentException("presence and frequency penalties must be finite");
        }
    }

    /** The next token of a row: {@code seen} are the ids the penalty applies to; {@code logits} is modified. */
    public long next(float[] logits, long[] seen, Random rng) {
        return next(logits, seen, seen.length, rng);
    }

    /**
     * The next token of a row whose {@code seen} ids (prompt and generated) start with
     * {@code promptLength} prompt ids; {@code logits} is modified.
     */
    public long next(float[] logits, long[] seen, int promptLength, Random rng) {
        penalise(logits, seen, repetitionPenalty);
        penaliseGenerated(logits, seen, promptLength, presencePenalty, frequencyPenalty);
        if (!sample) {
            return argMax(logits);
        }
        warp(logits);
        return draw(softmax(logits), rng);
    }

    /** Temperature, top-k and top-p, in place. */
    public void warp(float[] logits) {
        if (temperature != 1.0) {
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) (logits[i] / temperature);
            }
        }
        if (topK > 0) {
            topK(logits, topK);
        }
        if (topP < 1.0) {
            topP(logits, topP);
        }
    }

    /** Transformers' repetition penalty: a seen token's logit is divided by {@code penalty} when positive, else multiplied. */
    static void penalise(float[] logits, long[] seen, double penalty) {
        if (penalty == 1.0) {
            return;
        }
        boolean[] done = new boolean[logits.length];
        for (long id : seen) {
            int i = (int) id;
            if (i >= 0 && i < logits.length && !done[i]) {
                done[i] = true;
                logits[i] = (float) (logits[i] > 0 ? logits[i] / penalty : logits[i] * penalty);
            }
        }
    }

    /** OpenAI's penalties over {@code seen[from..]}: each such token's logit minus frequency * count + presence. */
    static void penaliseGenerated(float[] logits, long[] seen, int from, double presence, double frequency) {
        if (presence == 0 && frequency == 0) {
            return;
        }
        java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
        for (int j = from; j < seen.length; j++) {
            if (seen[j] >= 0 && seen[j] < logits.length) {
                counts.merge((int) seen[j], 1, Integer::sum);
            }
        }
        counts.forEach((i, c) -> logits[i] = (float) (logits[i] - frequency * c - presence));
    }

    /** Keeps the tokens whose logit is at least the k-th largest (ties with it stay); the rest -inf. */
    static void topK(float[] logits, int k) {
        if (k >= logits.length) {
            return;
        }
        float[] sorted = logits.clone();
        Arrays.sort(sorted);
        float kth = sorted[sorted.length - k];
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] < kth) {
                logits[i] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /**
     * Nucleus filtering: with tokens in ascending probability, drop those whose cumulative
     * probability is at most 1 - p; the most likely token always stays.
     */
    static void topP(float[] logits, double p) {
        float[] probs = softmax(logits);
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[a], logits[b])); // ascending
        double cum = 0;
        for (int j = 0; j < order.length - 1; j++) { // the last (most likely) is always kept
            cum += probs[order[j]];
            if (cum <= 1 - p) {
                logits[order[j]] = Float.NEGATIVE_INFINITY;
            } else {
                break;
            }
        }
    }

    /** Softmax in double precision; -inf logits get probability 0. */
    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] e = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            e[i] = logits[i] == Float.NEGATIVE_INFINITY ? 0 : Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] out = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = (float) (e[i] / sum);
        }
        return out;
    }

    /** A draw from {@code probs} by inverse CDF with one uniform number. */
    static int draw(float[] probs, Random rng) {
        double u = rng.nextDouble();
        double cum = 0;
        int last = -1;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] > 0) {
                cum += probs[i];
                last = i;
                if (u < cum) {
                    return i;
                }
            }
        }
        return last; // rounding left u just above the total
    }

    /** The first index of the largest value, as torch's argmax. */
    static int argMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
