package org.finetune4j.data;

/**
 * One batch as plain arrays, padded on the right to its own longest row: {@code [B, T]} ids,
 * attention mask (0 on pads) and token type ids (0 on pads), {@code [B]} label ids, and which
 * examples (indices into the dataset) the rows are.
 */
public record Batch(long[][] inputIds, long[][] attentionMask, long[][] tokenTypeIds, long[] labels, int[] exampleIndices) {

    /** Number of rows B. */
    public int size() {
        return inputIds.length;
    }

    /** Padded length T. */
    public int length() {
        return inputIds.length == 0 ? 0 : inputIds[0].length;
    }

    /** Number of real (non-pad) tokens. */
    public long tokens() {
        long t = 0;
        for (long[] row : attentionMask) {
            for (long m : row) {
                t += m;
            }
        }
        return t;
    }
}
