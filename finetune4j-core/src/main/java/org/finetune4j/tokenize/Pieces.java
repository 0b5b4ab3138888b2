package org.finetune4j.tokenize;

/**
 * One encoded row with its alignment to the input, as Transformers' fast tokenizers give it:
 * {@code wordIds[t]} (index of the input word, or of the pre-tokenizer's word; -1 on special
 * tokens), {@code sequenceIds[t]} (0 first text, 1 pair, -1 special) and the character span
 * {@code [starts[t], ends[t])} of token t in its own input string (Java char indices; -1 on special
 * tokens). All arrays have the same length.
 */
public record Pieces(long[] ids, long[] typeIds, String[] tokens, int[] wordIds, int[] sequenceIds, int[] starts, int[] ends) {

    /** Number of tokens. */
    public int length() {
        return ids.length;
    }
}
