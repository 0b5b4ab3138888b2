package org.finetune4j.tokenize;

/**
 * One encoded text (or text pair), with special tokens, after truncation and padding.
 * All four arrays have the same length; padded positions have mask 0, type id 0 and the pad token.
 */
public record Encoding(long[] ids, long[] attentionMask, long[] typeIds, String[] tokens) {

    /** Number of positions, padding included. */
    public int length() {
        return ids.length;
    }
}
