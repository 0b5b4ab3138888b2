package org.finetune4j.model;

import org.finetune4j.nn.Attention;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * A batch as a model takes it, with Transformers' argument names; absent fields are null.
 * Shapes: ids, masks, type and position ids [B, T]; labels [B] or [B, T]; positions [B]. A packed batch
 * ({@link Packed}, else null) holds several examples a row: its per-example labels and outputs are [N].
 * {@code member} names the member of a multitask model that runs the batch ({@link MultiHeadModel}; -1: none).
 */
public record Inputs(
        Tensor inputIds,
        Tensor attentionMask,
        Tensor tokenTypeIds,
        Tensor positionIds,
        Tensor labels,
        Tensor nextSentenceLabel,
        Tensor startPositions,
        Tensor endPositions,
        Packed packed,
        int member) {

    /**
     * Where the N examples of packed rows lie ({@link org.finetune4j.data.Packing}): sequence ids and
     * positions (from 0 in each example) [R, L]; each example's first and last token [N], as flat indices
     * into the R * L tokens, and its row [N].
     */
    public record Packed(Tensor sequenceIds, Tensor positions, Tensor firsts, Tensor lasts, Tensor rows) {

        /**
         * x [R, L, K] read back one example a row [N, T, K] (T the longest example), in each example's own
         * coordinates (as it lies alone in a padded row), {@code fill} past each example's end. An example's
         * length is the count of its sequence id in its row; its tokens follow its first one.
         */
        public Tensor perExample(Tensor x, double fill) {
            Tensor own = sequenceIds.reshape(-1).indexSelect(0, firsts).unsqueeze(1); // [N, 1]
            Tensor length = sequenceIds.indexSelect(0, rows).eq(own).sum(1, true); // [N, 1]
            long t = (long) length.max().item();
            Tensor steps = Torch.arange(0, t).unsqueeze(0); // [1, T]
            Tensor past = steps.sub(length).ge(0); // [N, T]
            Tensor at = firsts.unsqueeze(1).add(steps).maskedFill(past, 0); // [N, T] flat token indices
            Tensor picked = x.reshape(-1, x.size(2)).indexSelect(0, at.reshape(-1)); // [N * T, K]
            return picked.reshape(at.size(0), t, x.size(2)).maskedFill(past.unsqueeze(2), fill);
        }
    }

    /** Inputs for any model, packed or not ({@code packed} null). */
    public Inputs(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds, Tensor positionIds, Tensor labels,
            Tensor nextSentenceLabel, Tensor startPositions, Tensor endPositions, Packed packed) {
        this(inputIds, attentionMask, tokenTypeIds, positionIds, labels, nextSentenceLabel, startPositions, endPositions, packed, -1);
    }

    /** Inputs without packing. */
    public Inputs(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds, Tensor positionIds, Tensor labels,
            Tensor nextSentenceLabel, Tensor startPositions, Tensor endPositions) {
        this(inputIds, attentionMask, tokenTypeIds, positionIds, labels, nextSentenceLabel, startPositions, endPositions, null);
    }

    public static Inputs of(Tensor inputIds, Tensor attentionMask) {
        return new Inputs(inputIds, attentionMask, null, null, null, null, null, null);
    }

    public Inputs withPacking(Packed p) {
        return new Inputs(inputIds, attentionMask, tokenTypeIds, positionIds, labels, nextSentenceLabel, startPositions,
                endPositions, p, member);
    }

    /**
     * The additive attention bias: block-diagonal over packed rows ({@link Attention#packedBias}), else from the
     * attention mask over the cache's {@code past} and the new positions ({@link Attention#maskBias}).
     */
    public Tensor attentionBias(long past, boolean causal, int window) {
        return packed != null ? Attention.packedBias(packed.sequenceIds(), causal, window)
                : Attention.maskBias(maskOrOnes(past), length(), causal, window);
    }

    /** The position ids given, or a packed batch's positions (from 0 in each example), or null. */
    public Tensor givenPositions() {
        return positionIds != null ? positionIds : packed != null ? packed.positions() : null;
    }

    /** Each example's first token [B or N, C] of hidden states h [B, T, C] (BERT-family pooling). */
    public Tensor firstTokens(Tensor h) {
        return packed == null ? h.select(1, 0) : h.reshape(-1, h.size(2)).indexSelect(0, packed.firsts());
    }

    public Inputs withTokenTypeIds(Tensor t) {
        return new Inputs(inputIds, attentionMask, t, positionIds, labels, nextSentenceLabel, startPositions, endPositions, packed, member);
    }

    public Inputs withLabels(Tensor l) {
        return new Inputs(inputIds, attentionMask, tokenTypeIds, positionIds, l, nextSentenceLabel, startPositions, endPositions, packed, member);
    }

    public Inputs withNextSentenceLabel(Tensor nsp) {
        return new Inputs(inputIds, attentionMask, tokenTypeIds, positionIds, labels, nsp, startPositions, endPositions, packed, member);
    }

    public Inputs withSpans(Tensor start, Tensor end) {
        return new Inputs(inputIds, attentionMask, tokenTypeIds, positionIds, labels, nextSentenceLabel, start, end, packed, member);
    }

    /** These inputs for member {@code m} of a multitask model. */
    public Inputs forMember(int m) {
        return new Inputs(inputIds, attentionMask, tokenTypeIds, positionIds, labels, nextSentenceLabel, startPositions,
                endPositions, packed, m);
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
