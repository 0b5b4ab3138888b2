package org.finetune4j.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * Streaming classification metrics: (predicted, true) class ids accumulate into a confusion matrix
 * (rows = true, columns = predicted), batch by batch. Definitions are scikit-learn's: precision of
 * a class never predicted is 0, recall of a class never true is 0, F1 is 0 when P + R = 0; macro
 * averages run over the classes that occur as a true or a predicted id (sklearn's default
 * {@code labels}), so a class absent from both does not pull them down. With no samples every metric is 0.
 */
public final class ClassificationMetrics {

    private final List<String> labels;
    private final long[][] confusion;
    private long count;

    /** Metrics over the classes {@code labels} (label of id i at index i). */
    public ClassificationMetrics(List<String> labels) {
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("no classes");
        }
        this.labels = List.copyOf(labels);
        this.confusion = new long[labels.size()][labels.size()];
    }

    /** Adds one sample. */
    public void add(int predicted, int truth) {
        int k = labels.size();
        if (predicted < 0 || predicted >= k || truth < 0 || truth >= k) {
            throw new IllegalArgumentException("class ids must be in [0, " + k + "), got predicted "
                    + predicted + ", true " + truth);
        }
        confusion[truth][predicted]++;
        count++;
    }

    /** Adds a batch of samples. */
    public void add(long[] predicted, long[] truth) {
        if (predicted.length != truth.length) {
            throw new IllegalArgumentException(predicted.length + " predictions but " + truth.length + " labels");
        }
        for (int i = 0; i < predicted.length; i++) {
            add(Math.toIntExact(predicted[i]), Math.toIntExact(truth[i]));
        }
    }

    /** Adds a batch from row-major logits {@code [B, K]}: the prediction is the first arg max of each row. */
    public void addLogits(float[] logits, long[] truth) {
        int k = labels.size();
        if (logits.length != truth.length * k) {
            throw new IllegalArgumentException(logits.length + " logits for " + truth.length + " rows of " + k + " classes");
        }
        for (int r = 0; r < truth.length; r++) {
            int best = 0;
            for (int c = 1; c < k; c++) {
                if (logits[r * k + c] > logits[r * k + best]) {
                    best = c;
                }
            }
            add(best, Math.toIntExact(truth[r]));
        }
    }

    /**
     * Adds {@code local}'s counts plus those of every other rank's {@code local} (a sharded
     * evaluation; every rank calls it), so each rank ends with the whole set's metrics.
     */
    public void addOver(org.finetune4j.distributed.World world, ClassificationMetrics local) {
        int k = labels.size();
        double[] flat = new double[k * k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                flat[i * k + j] = local.confusion[i][j];
            }
        }
        double[] all = world.sum(flat);
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                confusion[i][j] += (long) all[i * k + j];
                count += (long) all[i * k + j];
            }
        }
    }

    /** Number of samples seen. */
    public long count() {
        return count;
    }

    /** Correct / all. */
    public double accuracy() {
        long correct = 0;
        for (int c = 0; c < labels.size(); c++) {
            correct += confusion[c][c];
        }
        return ratio(correct, count);
    }

    /** TP / (TP + FP) of class {@code c}; 0 when the class was never predicted. */
    public double precision(int c) {
        return ratio(confusion[c][c], predicted(c));
    }

    /** TP / (TP + FN) of class {@code c}; 0 when the class never occurs. */
    public double recall(int c) {
        return ratio(confusion[c][c], actual(c));
    }

    /** 2PR / (P + R) of class {@code c}, computed as 2TP / (2TP + FP + FN); 0 when P + R = 0. */
    public double f1(int c) {
        long tp = confusion[c][c];
        return ratio(2 * tp, predicted(c) + actual(c));
    }

    /** Mean precision over the classes present (as true or predicted). */
    public double macroPrecision() {
        return macro(this::precision);
    }

    /** Mean recall over the classes present. */
    public double macroRecall() {
        return macro(this::recall);
    }

    /** Mean F1 over the classes present. */
    public double macroF1() {
        return macro(this::f1);
    }

    /** A copy of the confusion matrix {@code [K, K]}: rows true class, columns predicted class. */
    public long[][] confusion() {
        long[][] copy = new long[confusion.length][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = confusion[i].clone();
        }
        return copy;
    }

    /**
     * The metrics by name, as the Trainer logs them: {@code PREFIX_accuracy}, {@code PREFIX_precision},
     * {@code PREFIX_recall}, {@code PREFIX_f1} (macro), then {@code PREFIX_f1_LABEL} for every class;
     * an empty prefix gives bare names.
     */
    public Map<String, Double> asMap(String prefix) {
        String p = prefix == null || prefix.isEmpty() ? "" : prefix + "_";
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(p + "accuracy", accuracy());
        m.put(p + "precision", macroPrecision());
        m.put(p + "recall", macroRecall());
        m.put(p + "f1", macroF1());
        for (int c = 0; c < labels.size(); c++) {
            m.put(p + "f1_" + labels.get(c), f1(c));
        }
        return m;
    }

    private double macro(IntToDoubleFunction metric) {
        double sum = 0;
        int present = 0;
        for (int c = 0; c < labels.size(); c++) {
            if (predicted(c) + actual(c) > 0) {
                present++;
                sum += metric.applyAsDouble(c);
            }
        }
        return present == 0 ? 0 : sum / present;
    }

    private long predicted(int c) {
        long n = 0;
        for (long[] row : confusion) {
            n += row[c];
        }
        return n;
    }

    private long actual(int c) {
        long n = 0;
        for (long v : confusion[c]) {
            n += v;
        }
        return n;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }
}
