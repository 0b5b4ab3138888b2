package org.finetune4j.model;

import ai.djl.ndarray.NDArray;

/**
 * A batch as a model takes it, with Transformers' argument names; absent fields are null.
 * Shapes: ids, masks, type and position ids [B, T]; labels [B] or [B, T]; positions [B].
 */
public record Inputs(
        NDArray inputIds,
        NDArray attentionMask,
        NDArray tokenTypeIds,
        NDArray positionIds,
        NDArray labels,
        NDArray nextSentenceLabel,
        NDArray startPositions,
        NDArray endPositions) {

    public static Inputs of(NDArray inputIds, NDArray attentionMask) {
        return new Inputs(inputIds, attentionMask, null, null, null, null, null, null);
    }

    public Inputs withTokenTypeIds(NDArray t) {
        return new Inputs(inputIds, attentionMask, t, positionIds, labels, nextSentenceLabel, startPositions, endPositions);
    }

    public Inputs withLabels(NDArray l) {
        return new Inputs(inputIds, attentionMask, tokenTypeIds, positionIds, l, nextSentenceLabel, startPositions, endPositions);
    }

    public Inputs withNextSentenceLabel(NDArray nsp) {
        return new Inputs(inputIds, attentionMask, tokenTypeIds, positionIds, labels, nsp, startPositions, endPositions);
    }

    public Inputs withSpans(NDArray start, NDArray end) {
        return new Inputs(inputIds, attentionMask, tokenTypeIds, positionIds, labels, nextSentenceLabel, start, end);
    }

    public long batchSize() {
        return inputIds.getShape().get(0);
    }

    public long length() {
        return inputIds.getShape().get(1);
    }

    /**
     * The attention mask over past and new positions [B, past + T]: as given (it must cover the
     * cache's past too, as in Transformers), or all ones.
     */
    public NDArray maskOrOnes(long past) {
        if (past == 0) {
            return maskOrOnes();
        }
        if (attentionMask == null) {
            return inputIds.getManager().ones(new ai.djl.ndarray.types.Shape(batchSize(), past + length()),
                    inputIds.getDataType());
        }
        if (attentionMask.getShape().get(1) != past + length()) {
            throw new IllegalArgumentException("attention_mask covers " + attentionMask.getShape().get(1)
                    + " positions, not the cache's " + past + " plus " + length() + " new ones");
        }
        return attentionMask;
    }

    /** The attention mask, or all ones [B, T] when none was given. */
    public NDArray maskOrOnes() {
        return attentionMask != null ? attentionMask : inputIds.onesLike();
    }
}
