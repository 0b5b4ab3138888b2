package org.finetune4j.viz;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.data.Dataset;
import org.finetune4j.tokenize.Tokenizer;

/** The example a run report shows attention on, chosen so that it shows the data, not its packaging. */
final class AttentionSample {

    private AttentionSample() {}

    /**
     * A short example to show attention on: the first of 8 to {@code max} tokens among the first 200 (else the first),
     * without the words every example starts with (a template's) and without markup such as {@code <br />},
     * cut to {@code max} tokens.
     */
    static long[] ids(Dataset data, Tokenizer tok, int max) {
        int n = Math.min(data.size(), 200);
        int shared = sharedPrefix(data, Math.min(n, 20));
        int[] lengths = data.lengths();
        int pick = 0;
        for (int i = 0; i < n; i++) {
            if (lengths[i] - shared >= 8 && lengths[i] - shared <= max) {
                pick = i;
                break;
            }
        }
        long[] row = realIds(data, pick);
        long[] ids = shared == 0 ? row : java.util.stream.LongStream.concat(java.util.Arrays.stream(row, 0, 1),
                java.util.Arrays.stream(row, shared, row.length)).toArray(); // the first token (CLS, BOS) stays
        List<String> labels = AttentionMaps.labels(tok, ids);
        List<Long> kept = new ArrayList<>();
        for (int i = 0; i < ids.length && kept.size() < max; i++) {
            int close = labels.get(i).contains("<") ? markupEnd(labels, i) : -1;
            if (close >= 0) {
                i = close; // a tag such as <br /> is skipped whole
            } else {
                kept.add(ids[i]);
            }
        }
        return kept.stream().mapToLong(Long::longValue).toArray();
    }

    /** How many leading tokens the first {@code n} examples share, when they share two or more after the first. */
    private static int sharedPrefix(Dataset data, int n) {
        if (n < 2) {
            return 0;
        }
        long[] first = realIds(data, 0);
        int common = first.length;
        for (int i = 1; i < n; i++) {
            long[] row = realIds(data, i);
            int k = 0;
            while (k < Math.min(common, row.length) && row[k] == first[k]) {
                k++;
            }
            common = k;
        }
        return common >= 3 && common < first.length ? common : 0;
    }

    private static long[] realIds(Dataset data, int i) {
        org.finetune4j.data.Batch b = data.batch(new int[] {i}, 0, 0);
        int real = (int) java.util.Arrays.stream(b.attentionMask()[0]).sum();
        return java.util.Arrays.copyOf(b.inputIds()[0], real);
    }

    /** The index of the token that closes a tag opened at {@code i} (its label holds '>'), within 8 tokens, or -1. */
    private static int markupEnd(List<String> labels, int i) {
        for (int j = i; j < Math.min(labels.size(), i + 8); j++) {
            if (labels.get(j).contains(">") && (j > i || labels.get(i).indexOf('>') > labels.get(i).indexOf('<'))) {
                return j;
            }
        }
        return -1;
    }
}
