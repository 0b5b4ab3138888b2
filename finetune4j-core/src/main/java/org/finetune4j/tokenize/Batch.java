package org.finetune4j.tokenize;

/** Encoded rows right-padded to one length: {@code [B, T]} each, pads have mask 0 and type id 0. */
public record Batch(long[][] ids, long[][] attentionMask, long[][] typeIds) {

    /** Number of rows B. */
    public int size() {
        return ids.length;
    }

    /** Row length T (0 for an empty batch). */
    public int length() {
        return ids.length == 0 ? 0 : ids[0].length;
    }
}
