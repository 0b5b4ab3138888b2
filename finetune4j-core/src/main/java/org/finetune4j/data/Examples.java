package org.finetune4j.data;

import java.util.List;
import org.finetune4j.tokenize.Encoding;
import org.finetune4j.tokenize.Tokenizer;

/**
 * Tokenized examples, unpadded: {@code ids[i]} and {@code typeIds[i]} (same length, special tokens
 * included, truncated to the max length) and class id {@code labels[i]}. Arrays are shared: do not modify.
 */
public record Examples(long[][] ids, long[][] typeIds, int[] labels) implements TokenRows {

    public Examples {
        if (ids.length != typeIds.length || ids.length != labels.length) {
            throw new IllegalArgumentException(ids.length + " ids, " + typeIds.length + " type ids, " + labels.length + " labels");
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i].length != typeIds[i].length) {
                throw new IllegalArgumentException("example " + i + ": " + ids[i].length + " ids but " + typeIds[i].length + " type ids");
            }
        }
    }

    /** Tokenizes every text (with its pair) with special tokens, truncated to {@code maxLength} (0 = none), unpadded. */
    public static Examples tokenize(TextClassificationData data, Tokenizer tokenizer, int maxLength) {
        return tokenize(data.texts(), data.pairs(), data.labels(), tokenizer, maxLength);
    }

    /** Unlabelled texts (for prediction); every label is 0. */
    public static Examples tokenize(List<String> texts, Tokenizer tokenizer, int maxLength) {
        return tokenize(texts, null, new int[texts.size()], tokenizer, maxLength);
    }

    private static Examples tokenize(List<String> texts, List<String> pairs, int[] labels, Tokenizer tokenizer, int maxLength) {
        int n = texts.size();
        long[][] ids = new long[n][];
        long[][] types = new long[n][];
        for (int i = 0; i < n; i++) {
            Encoding e = tokenizer.encode(texts.get(i), pairs == null ? null : pairs.get(i), maxLength, false);
            ids[i] = e.ids();
            types[i] = e.typeIds();
        }
        return new Examples(ids, types, labels);
    }

    @Override
    public Batch batch(int[] indices, long padId, long seed) {
        return batch(indices, padId);
    }

    /** The examples at {@code indices} as one batch padded with {@code padId} to its longest row. */
    public Batch batch(int[] indices, long padId) {
        int longest = Padding.longest(ids, indices);
        long[] y = new long[indices.length];
        for (int r = 0; r < indices.length; r++) {
            y[r] = labels[indices[r]];
        }
        return Batch.classification(Padding.gather(ids, indices, longest, padId), Padding.mask(ids, indices, longest),
                Padding.gather(typeIds, indices, longest, 0), y, indices.clone());
    }
}
