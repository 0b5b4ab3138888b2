package org.finetune4j.data;

/**
 * One batch as plain arrays, padded to its own longest row: {@code [B, T]} ids, attention mask
 * (0 on pads) and token type ids (0 on pads); the labels of its task, with Transformers' names
 * (absent ones null): {@code [B]} class ids, {@code [B, T]} token labels (-100 where no loss is
 * taken), {@code [B]} next-sentence labels, {@code [B]} answer start and end positions; which
 * examples (indices into the dataset) the rows are; and {@code lossItems}, the number of items the
 * model's loss averages over (rows, or labelled tokens), by which gradient accumulation weighs
 * micro-batches as Transformers' Trainer does with {@code num_items_in_batch}. A packed batch
 * ({@link Packing}) holds several examples a row and says where each one is in {@code packing}
 * (null when each row is one example); per-example arrays ({@code labels}, {@code exampleIndices}
 * ...) keep the examples' order either way. {@code member} is the multitask member whose head runs the
 * batch (-1: none; {@link MultitaskData} names it).
 */
public record Batch(long[][] inputIds, long[][] attentionMask, long[][] tokenTypeIds, long[] labels,
        long[][] tokenLabels, long[] nextSentenceLabels, long[] startPositions, long[] endPositions,
        int[] exampleIndices, long lossItems, Packing packing, int member) {

    /** A batch for any model: no multitask member named ({@code member} -1). */
    public Batch(long[][] inputIds, long[][] attentionMask, long[][] tokenTypeIds, long[] labels,
            long[][] tokenLabels, long[] nextSentenceLabels, long[] startPositions, long[] endPositions,
            int[] exampleIndices, long lossItems, Packing packing) {
        this(inputIds, attentionMask, tokenTypeIds, labels, tokenLabels, nextSentenceLabels, startPositions, endPositions,
                exampleIndices, lossItems, packing, -1);
    }

    /** An unpacked batch: one example a row. */
    public Batch(long[][] inputIds, long[][] attentionMask, long[][] tokenTypeIds, long[] labels,
            long[][] tokenLabels, long[] nextSentenceLabels, long[] startPositions, long[] endPositions,
            int[] exampleIndices, long lossItems) {
        this(inputIds, attentionMask, tokenTypeIds, labels, tokenLabels, nextSentenceLabels, startPositions, endPositions,
                exampleIndices, lossItems, null);
    }

    /** A sequence-classification batch (or an unlabelled one when {@code labels} is null): one loss item a row. */
    public static Batch classification(long[][] inputIds, long[][] attentionMask, long[][] tokenTypeIds, long[] labels,
            int[] exampleIndices) {
        return new Batch(inputIds, attentionMask, tokenTypeIds, labels, null, null, null, null, exampleIndices,
                exampleIndices.length);
    }

    /** A token-labelled batch (token classification, masked or causal LM); {@code lossItems} as the task counts them. */
    public static Batch tokenLabelled(long[][] inputIds, long[][] attentionMask, long[][] tokenTypeIds,
            long[][] tokenLabels, int[] exampleIndices, long lossItems) {
        return new Batch(inputIds, attentionMask, tokenTypeIds, null, tokenLabels, null, null, null, exampleIndices,
                lossItems);
    }

    /** This batch with next-sentence labels (BERT pretraining). */
    public Batch withNextSentenceLabels(long[] nsp) {
        return new Batch(inputIds, attentionMask, tokenTypeIds, labels, tokenLabels, nsp, startPositions, endPositions,
                exampleIndices, lossItems, packing, member);
    }

    /** This batch for member {@code m} of a multitask model (the head its forward runs, {@link org.finetune4j.model.MultiHeadModel}). */
    public Batch forMember(int m) {
        return new Batch(inputIds, attentionMask, tokenTypeIds, labels, tokenLabels, nextSentenceLabels, startPositions,
                endPositions, exampleIndices, lossItems, packing, m);
    }

    /** This batch with answer spans (extractive QA): one loss item a row. */
    public Batch withSpans(long[] start, long[] end) {
        return new Batch(inputIds, attentionMask, tokenTypeIds, labels, tokenLabels, nextSentenceLabels, start, end,
                exampleIndices, exampleIndices.length, packing);
    }

    /** Number of rows B. */
    public int size() {
        return inputIds.length;
    }

    /** Number of examples (rows, unless packed). */
    public int examples() {
        return exampleIndices.length;
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

    /** Number of token labels other than -100 (Transformers' ignore index). */
    public static long labelled(long[][] tokenLabels) {
        long n = 0;
        for (long[] row : tokenLabels) {
            for (long l : row) {
                n += l != -100 ? 1 : 0;
            }
        }
        return n;
    }
}
