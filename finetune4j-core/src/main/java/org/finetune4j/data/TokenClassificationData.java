package org.finetune4j.data;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.tokenize.Pieces;
import org.finetune4j.tokenize.Tokenizer;

/**
 * Tagged sentences tokenized for token classification, unpadded, as Transformers' run_ner aligns
 * them: {@code labels[i][t]} is the tag id of the word that token t starts, -100 on special tokens
 * and on the word's later pieces (or, with {@code labelAllTokens}, the word's tag with B- turned
 * into I- where the I- tag exists). {@code lostWords} counts the words that got no token (cut by
 * max_length, or tokenized to nothing): they take no part in training or evaluation, as in run_ner.
 */
public record TokenClassificationData(long[][] ids, long[][] typeIds, long[][] labels, LabelMap labelMap,
        int lostWords) implements TokenRows {

    /** Tokenizes {@code data} (every tag must be in {@code labels}) truncated to {@code maxLength} (0 = none). */
    public static TokenClassificationData tokenize(TaggedSentences data, LabelMap labels, Tokenizer tokenizer,
            int maxLength, boolean labelAllTokens) {
        int n = data.size();
        long[][] ids = new long[n][];
        long[][] types = new long[n][];
        long[][] y = new long[n][];
        int[] bToI = bToI(labels);
        int lost = 0;
        for (int i = 0; i < n; i++) {
            List<String> tags = data.tags().get(i);
            int[] tagIds = new int[tags.size()];
            for (int w = 0; w < tagIds.length; w++) {
                tagIds[w] = labels.id(tags.get(w));
                if (tagIds[w] < 0) {
                    throw Problems.at(data.file(), data.lines()[i], "tag " + Problems.quote(tags.get(w))
                            + " is not one of the training tags " + org.finetune4j.io.Text.printable(labels.names().toString()));
                }
            }
            Pieces p = tokenizer.encodeWords(data.words().get(i), maxLength);
            ids[i] = p.ids();
            types[i] = p.typeIds();
            y[i] = align(p.wordIds(), tagIds, labelAllTokens ? bToI : null);
            lost += tagIds.length - firstPieces(p.wordIds());
        }
        return new TokenClassificationData(ids, types, y, labels, lost);
    }

    /** Labels per token from word ids: the tag on a word's first piece, -100 (or the I- tag via {@code bToI}) after. */
    static long[] align(int[] wordIds, int[] tagIds, int[] bToI) {
        long[] out = new long[wordIds.length];
        int previous = -1;
        for (int t = 0; t < wordIds.length; t++) {
            int w = wordIds[t];
            if (w < 0) {
                out[t] = -100;
            } else if (w != previous) {
                out[t] = tagIds[w];
            } else {
                out[t] = bToI != null ? bToI[tagIds[w]] : -100;
            }
            previous = w;
        }
        return out;
    }

    /** For each tag id, the id of its I- tag when it is a B- tag and the I- tag exists, else itself. */
    static int[] bToI(LabelMap labels) {
        int[] out = new int[labels.size()];
        for (int k = 0; k < out.length; k++) {
            String name = labels.name(k);
            int i = name.startsWith("B-") ? labels.id("I-" + name.substring(2)) : -1;
            out[k] = i >= 0 ? i : k;
        }
        return out;
    }

    private static int firstPieces(int[] wordIds) {
        int words = 0;
        int previous = -1;
        for (int w : wordIds) {
            if (w >= 0 && w != previous) {
                words++;
            }
            previous = w;
        }
        return words;
    }

    /** The tags of {@code data} as a label map: {@code labelList} when given, else the distinct tags sorted. */
    public static LabelMap labelMap(TaggedSentences data, List<String> labelList) {
        if (labelList != null) {
            return new LabelMap(labelList);
        }
        List<String> all = new ArrayList<>();
        data.tags().forEach(all::addAll);
        return LabelMap.sorted(all);
    }

    @Override
    public Batch batch(int[] indices, long padId, long seed) {
        return batch(indices, padId);
    }

    /** The sentences at {@code indices} padded to the longest; pads get label -100; loss items are the labelled tokens. */
    public Batch batch(int[] indices, long padId) {
        int longest = Padding.longest(ids, indices);
        long[][] y = Padding.gather(labels, indices, longest, -100L);
        return Batch.tokenLabelled(Padding.gather(ids, indices, longest, padId), Padding.mask(ids, indices, longest),
                Padding.gather(typeIds, indices, longest, 0), y, indices.clone(), Batch.labelled(y));
    }
}
