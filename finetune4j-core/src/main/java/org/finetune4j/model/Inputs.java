package org.finetune4j.model;

import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * A batch as a model takes it, with Transformers' argument names; absent fields are null.
 * Shapes: ids, masks, type and position ids [B, T]; labels [B] or [B, T]; positions [B].
 */
public record Inputs(
        Tensor inputIds,
        Tensor attentionMask,
        Tensor tokenTypeIds,
        Tensor positionIds,
        Tensor labels,
        Tensor nextSentenceLabel,
        Tensor startPositions,
        Tensor endPositions) {

    public static Inputs of(Tensor inputIds, Tensor attentionMask) {
        return new Inputs(inputIds, attentionMask, null, null, null, null, null, null);
    }

    public Inputs withTokenTypeIds(Tensor t) {
        return new Inputs(inputIds, attentionMask, t, positionIds, labels, nextSentenceLabel, startPositions, endPositions);
    }

    public Inputs withLabels(Tensor l) {
        return new Inputs(inputIds, attentionMask, tokenTypeIds, positionIds, l, nextSentenceLabel, startPositions, endPositions);
    }

    public Inputs withNextSentenceLabel(Tensor nsp) {
        return new Inputs(inputIds, attentionMask, tokenTypeIds, positionIds, labels, nsp, startPositions, endPositions);
    }

    public Inputs withSpans(Tensor start, Tensor end) {
        return new Inputs(inputIds, attentionMask, tokenTypeIds, positionIds, labels, nextSentenceLabel, start, end);
    }

    public long batchSize() {
        return inputIds.size(0);
    }

    public long length() {
        return inputIds.size(1);
    }

    /**
     * The attention mask over past and new positions [B, past + T]: as given (it must cover the
     * cache's past too, as in Transformers), or all ones.
     */
    public Tensor maskOrOnes(long past) {
        if (past == 0) {
            return maskOrOnes();
        }
        if (attentionMask == null) {
            return Torch.ones(inputIds.dtype(), batchSize(), past + length());
        }
        if (attentionMask.size(1) != past + length()) {
            throw new IllegalArgumentException("attention_mask covers " + attentionMask.size(1)
                    + " positions, not the cache's " + past + " plus " + length() + " new ones");
        }
        return attentionMask;
    }

    /** The attention mask, or all ones [B, T] when none was given. */
    public Tensor maskOrOnes() {
        return attentionMask != null ? attentionMask : Torch.ones(inputIds.dtype(), inputIds.shape());
    }
}
