package org.finetune4j.tokenize;

/**
 * One text encoded without truncation, with where each token came from: token {@code i} covers
 * the characters {@code [starts[i], ends[i])} of the text (Java {@code String} indices, UTF-16);
 * tokens added by the post-processor (BOS, CLS, ...) cover nothing: start = end = -1.
 */
public record TokenSpans(long[] ids, int[] starts, int[] ends) {

    /** Number of tokens. */
    public int length() {
        return ids.length;
    }
}
