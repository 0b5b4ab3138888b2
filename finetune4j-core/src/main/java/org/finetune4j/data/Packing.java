package org.finetune4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Where the examples of a packed batch lie: {@code sequenceIds} [R, L] numbers the examples of each row
 * from 1 (0 on the pads at a row's end), {@code positions} [R, L] counts each example's tokens from 0, and
 * example e (in the batch's example order) runs from flat index {@code firsts[e]} to {@code lasts[e]} of
 * the row-major [R * L] tokens. A token attends only to tokens of its own sequence id, so every example
 * sees what it would see alone in a padded row.
 *
 * <p>{@link #pack} lays the examples of a padded batch one after another, first-fit by decreasing length,
 * into as few rows of {@code capacity} tokens as they need (as Transformers' DataCollatorWithFlattening
 * does, without its flash-attention requirement): the same examples, labels and loss items, no pad
 * tokens between them. Per-example labels (class ids, next-sentence labels, answer spans) stay as they are,
 * answer spans in each example's own coordinates.
 */
public record Packing(long[][] sequenceIds, long[][] positions, long[] firsts, long[] lasts) {

    /**
     * {@code b} (right-padded, one example a row) packed into rows of {@code capacity} tokens (at least its
     * longest example); {@code causal}: the first token of each example gets label -100, as the loss shifts
     * labels left and would otherwise let an example's last token predict the next example's first.
     */
    public static Batch pack(Batch b, int capacity, long padId, boolean causal) {
        if (b.packing() != null) {
            return b;
        }
        int n = b.size();
        int[] length = new int[n];
        for (int e = 0; e < n; e++) {
            length[e] = realLength(b.attentionMask()[e]);
        }
        int[][] place = firstFit(length, Math.max(capacity, Arrays.stream(length).max().orElse(1)));
        int rows = 0;
        int width = 0;
        for (int e = 0; e < n; e++) {
            rows = Math.max(rows, place[e][0] + 1);
            width = Math.max(width, place[e][1] + length[e]);
        }
        long[][] ids = filled(rows, width, padId);
        long[][] mask = new long[rows][width];
        long[][] types = b.tokenTypeIds() == null ? null : new long[rows][width];
        long[][] labels = b.tokenLabels() == null ? null : filled(rows, width, -100);
        long[][] seq = new long[rows][width];
        long[][] pos = new long[rows][width];
        long[] firsts = new long[n];
        long[] lasts = new long[n];
        for (int e = 0; e < n; e++) {
            int r = place[e][0];
            int at = place[e][1];
            int len = length[e];
            System.arraycopy(b.inputIds()[e], 0, ids[r], at, len);
            System.arraycopy(b.attentionMask()[e], 0, mask[r], at, len);
            if (types != null) {
                System.arraycopy(b.tokenTypeIds()[e], 0, types[r], at, len);
            }
            if (labels != null) {
                System.arraycopy(b.tokenLabels()[e], 0, labels[r], at, len);
                if (causal) {
                    labels[r][at] = -100;
                }
            }
            Arrays.fill(seq[r], at, at + len, place[e][2]);
            for (int t = 0; t < len; t++) {
                pos[r][at + t] = t;
            }
            firsts[e] = (long) r * width + at;
            lasts[e] = firsts[e] + lastNonPad(b.inputIds()[e], len, padId);
        }
        return new Batch(ids, mask, types, b.labels(), labels, b.nextSentenceLabels(), b.startPositions(), b.endPositions(),
                b.exampleIndices(), b.lossItems(), new Packing(seq, pos, firsts, lasts), b.member());
    }

    /**
     * The last token of an example that is not the pad id (0 when all are), where decoder classification heads
     * read an unpacked row ({@code model.Heads.lastToken}), so a pad id inside the example is skipped alike.
     */
    private static int lastNonPad(long[] ids, int len, long padId) {
        for (int t = len - 1; t > 0; t--) {
            if (ids[t] != padId) {
                return t;
            }
        }
        return 0;
    }

    /** A row's real length: up to its last attended token (at least 1, so an empty example keeps a slot). */
    private static int realLength(long[] maskRow) {
        int len = maskRow.length;
        while (len > 1 && maskRow[len - 1] == 0) {
            len--;
        }
        return len;
    }

    /**
     * First-fit decreasing: for each example {row, offset, sequence id in the row}. Longer examples are
     * placed first (ties in batch order), each into the first row with room.
     */
    static int[][] firstFit(int[] length, int capacity) {
        Integer[] order = new Integer[length.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -length[i]));
        List<int[]> rows = new ArrayList<>(); // {fill, examples}
        int[][] place = new int[length.length][];
        for (int e : order) {
            int r = 0;
            while (r < rows.size() && rows.get(r)[0] + length[e] > capacity) {
                r++;
            }
            if (r == rows.size()) {
                rows.add(new int[2]);
            }
            int[] row = rows.get(r);
            place[e] = new int[] {r, row[0], ++row[1]};
            row[0] += length[e];
        }
        return place;
    }

    /** Real tokens over all token slots of the batch's rows (1.0: no padding). */
    public static double fill(Batch b) {
        long slots = (long) b.size() * b.length();
        return slots == 0 ? 1 : (double) b.tokens() / slots;
    }

    private static long[][] filled(int rows, int width, long value) {
        long[][] out = new long[rows][width];
        for (long[] row : out) {
            Arrays.fill(row, value);
        }
        return out;
    }
}
