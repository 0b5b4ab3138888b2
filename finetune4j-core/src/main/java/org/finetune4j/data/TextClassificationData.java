package org.finetune4j.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Labelled texts read from a table file: row i has {@code texts[i]}, {@code pairs[i]} (when the
 * layout has a second text, else {@code pairs} is null), class id {@code labels[i]} under
 * {@code labelMap}, and came from {@code lines[i]} of {@code file}. {@code skipped} counts the
 * bad rows of the file that were skipped, {@code firstSkipped} says why the first was (or null).
 * The arrays are shared, not copied: do not modify them.
 */
public record TextClassificationData(
        Path file,
        List<String> texts,
        List<String> pairs,
        int[] labels,
        int[] lines,
        LabelMap labelMap,
        int skipped,
        String firstSkipped) {

    /** A training split and a validation split of one file. */
    public record Split(TextClassificationData train, TextClassificationData validation) {}

    /**
     * Reads training data: the label map is built from this file's labels (see {@link LabelMap#sorted});
     * a file with one label is refused, since a classifier needs two classes.
     */
    public static TextClassificationData readTraining(Path file, TextColumns columns, boolean skipBadRows) {
        LabelledRows rows = collect(file, columns, skipBadRows);
        LabelMap map = LabelMap.sorted(rows.labels);
        if (map.size() < 2) {
            throw Problems.of(file, "every row has the label " + Problems.quote(map.name(0)) + " (" + rows.labels.size()
                    + " rows in column " + Problems.quote(columns.label()) + "): a classifier needs at least two classes");
        }
        return build(file, rows, map);
    }

    /**
     * This data with integer labels 0..K-1 named {@code names} (K = its size): class k becomes {@code names[k]};
     * another label is an error naming its line.
     */
    public TextClassificationData withLabelNames(List<String> names, String key) {
        int[] y = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            String label = labelMap.name(labels[i]);
            int k = label.matches("[0-9]{1,9}") ? Integer.parseInt(label) : -1;
            if (k < 0 || k >= names.size()) {
                throw Problems.at(file, lines[i], "label " + Problems.quote(label) + " is not one of 0.." + (names.size() - 1)
                        + ", which " + key + " names");
            }
            y[i] = k;
        }
        return new TextClassificationData(file, texts, pairs, y, lines, new LabelMap(names), skipped, firstSkipped);
    }

    /**
     * How many rows each class has, in id order ({@code negative 212, positive 188}), and a note for each
     * class of a single row in a file of 20 or more (a misspelled label becomes a class of its own).
     */
    public List<String> labelCounts() {
        int[] counts = new int[labelMap.size()];
        int[] firstLine = new int[labelMap.size()];
        for (int i = labels.length - 1; i >= 0; i--) {
            counts[labels[i]]++;
            firstLine[labels[i]] = lines[i];
        }
        List<String> out = new java.util.ArrayList<>();
        StringBuilder b = new StringBuilder("labels in " + file + ":");
        for (int k = 0; k < counts.length; k++) {
            b.append(k == 0 ? " " : ", ").append(org.finetune4j.io.Text.printable(labelMap.name(k))).append(' ').append(counts[k]);
        }
        out.add(b.toString());
        for (int k = 0; k < counts.length; k++) {
            if (counts[k] == 1 && labels.length >= 20) {
                out.add("note: the label " + Problems.quote(labelMap.name(k)) + " occurs only once (" + file + ":"
                        + firstLine[k] + "): misspelled?");
            }
        }
        return out;
    }

    /** Reads validation or test data under the training label map: an unknown label is an error. */
    public static TextClassificationData read(Path file, TextColumns columns, LabelMap labelMap, boolean skipBadRows) {
        return build(file, collect(file, columns, skipBadRows), labelMap);
    }

    /** Number of examples. */
    public int size() {
        return labels.length;
    }

    /** The examples at {@code indices}, in that order. */
    public TextClassificationData subset(int[] indices) {
        List<String> t = Arrays.stream(indices).mapToObj(texts::get).toList();
        List<String> p = pairs == null ? null : Arrays.stream(indices).mapToObj(pairs::get).toList();
        int[] y = Arrays.stream(indices).map(i -> labels[i]).toArray();
        int[] l = Arrays.stream(indices).map(i -> lines[i]).toArray();
        return new TextClassificationData(file, t, p, y, l, labelMap, skipped, firstSkipped);
    }

    /**
     * Splits off a validation set when there is no validation file, as {@code datasets}'
     * {@code train_test_split(test_size=ratio)} sizes it: {@code ceil(ratio * n)} validation rows.
     * They are the first of a Fisher-Yates permutation of 0..n-1 drawn from {@code new Random(seed)}
     * (see {@link Sampler#permutation}); both parts keep file order; the label map stays the file's.
     */
    public Split split(double ratio, long seed) {
        if (!(ratio > 0 && ratio < 1)) {
            throw Problems.of(file, "validation_split must be between 0 and 1 (exclusive), got " + ratio);
        }
        int n = size();
        int nValidation = (int) Math.ceil(ratio * n);
        if (nValidation >= n) {
            throw Problems.of(file, "validation_split " + ratio + " of " + n + " rows leaves no training rows");
        }
        int[] perm = Sampler.permutation(n, new Random(seed));
        int[] validation = Arrays.copyOfRange(perm, 0, nValidation);
        int[] train = Arrays.copyOfRange(perm, nValidation, n);
        Arrays.sort(validation);
        Arrays.sort(train);
        return new Split(subset(train), subset(validation));
    }

    private static LabelledRows collect(Path file, TextColumns columns, boolean skipBadRows) {
        LabelledRows rows = new LabelledRows(file, columns, skipBadRows);
        TableFormat.of(file).read(file, rows);
        if (rows.texts.isEmpty()) {
            throw Problems.of(file, "no rows left after skipping " + rows.skipped + " bad rows (first: "
                    + rows.firstSkipped + ")");
        }
        return rows;
    }

    private static TextClassificationData build(Path file, LabelledRows rows, LabelMap map) {
        int n = rows.texts.size();
        int[] labels = new int[n];
        int[] lines = new int[n];
        for (int i = 0; i < n; i++) {
            lines[i] = rows.lines.get(i);
            labels[i] = map.id(rows.labels.get(i));
            if (labels[i] < 0) {
                throw Problems.at(file, lines[i], "label " + Problems.quote(rows.labels.get(i))
                        + " is not one of the training labels " + org.finetune4j.io.Text.printable(map.names().toString()));
            }
        }
        return new TextClassificationData(file, List.copyOf(rows.texts),
                rows.pairs == null ? null : List.copyOf(rows.pairs), labels, lines, map, rows.skipped, rows.firstSkipped);
    }
}
