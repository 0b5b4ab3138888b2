package org.finetune4j.viz;

/**
 * What the run report shows attention on: {@code text} (null: a sample of the training data), at
 * {@code layer} and {@code head}, 0-based as Transformers' {@code attentions[layer][0, head]}
 * ({@code layer} -1: the last).
 */
public record AttentionFocus(String text, int layer, int head) {

    /** A sample of the training data, the last layer, head 0. */
    public static final AttentionFocus DEFAULT = new AttentionFocus(null, -1, 0);
}
