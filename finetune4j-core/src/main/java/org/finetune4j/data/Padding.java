package org.finetune4j.data;

import java.util.Arrays;

/** Ragged per-example rows gathered into a batch and right-padded to its longest row. */
final class Padding {

    private Padding() {}

    /** The longest of {@code rows[indices]}. */
    static int longest(long[][] rows, int[] indices) {
        int longest = 0;
        for (int i : indices) {
            longest = Math.max(longest, rows[i].length);
        }
        return longest;
    }

    /** {@code rows[indices]}, each copied into a row of {@code length} filled with {@code fill} after its end. */
    static long[][] gather(long[][] rows, int[] indices, int length, long fill) {
        long[][] out = new long[indices.length][length];
        for (int r = 0; r < indices.length; r++) {
            long[] row = rows[indices[r]];
            System.arraycopy(row, 0, out[r], 0, row.length);
            Arrays.fill(out[r], row.length, length, fill);
        }
        return out;
    }

    /** The attention mask of {@code rows[indices]} padded to {@code length}: 1 on real tokens, 0 after. */
    static long[][] mask(long[][] rows, int[] indices, int length) {
        long[][] out = new long[indices.length][length];
        for (int r = 0; r < indices.length; r++) {
            Arrays.fill(out[r], 0, rows[indices[r]].length, 1L);
        }
        return out;
    }
}
