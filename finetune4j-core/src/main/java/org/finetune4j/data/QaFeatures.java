package org.finetune4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.finetune4j.tokenize.Pieces;
import org.finetune4j.tokenize.Tokenizer;

/**
 * Question-answering features as Transformers' run_qa makes them: each question with a window of
 * its context (question first, only the context truncated, windows overlapping by {@code stride}
 * tokens), so a long context yields several features. {@code example[f]} is the question feature f
 * came from; {@code offsetStart[f][t]}/{@code offsetEnd[f][t]} the character span of context token t
 * (-1 on question and special tokens). Training features also carry the answer's token span, or the
 * CLS position when the answer is not inside the window. {@code skipped} counts training questions
 * dropped because their answer is not at its answer_start (only with skip_bad_examples).
 */
public record QaFeatures(QaExamples examples, long[][] ids, long[][] typeIds, int[][] offsetStart, int[][] offsetEnd,
        int[] example, long[] startPositions, long[] endPositions, int skipped,
        String firstSkipped) implements TokenRows {

    /** Features of every question; with {@code training} the answer spans (the first answer of each). */
    public static QaFeatures build(QaExamples data, Tokenizer tok, int maxLength, int stride, boolean training,
            boolean skipBadExamples) {
        return build(data, tok, maxLength, stride, training, skipBadExamples, false);
    }

    /** As {@link #build(QaExamples, Tokenizer, int, int, boolean, boolean)}; {@code unanswered} allows questions without gold answers (prediction). */
    public static QaFeatures build(QaExamples data, Tokenizer tok, int maxLength, int stride, boolean training,
            boolean skipBadExamples, boolean unanswered) {
        List<Pieces> rows = new ArrayList<>();
        List<Integer> example = new ArrayList<>();
        List<long[]> spans = new ArrayList<>();
        int skipped = 0;
        String firstSkipped = null;
        int cls = tok.special().cls();
        for (int i = 0; i < data.size(); i++) {
            QaExamples.Example e = data.examples().get(i);
            String problem = training ? answerProblem(e)
                    : e.answers().isEmpty() && !unanswered ? "no gold answers to score against" : null;
            if (problem != null) {
                if (!training || !skipBadExamples) {
                    throw Problems.of(data.file(), e.where() + ": " + problem
                            + (training ? " (set data.skip_bad_examples: true to skip such questions)" : ""));
                }
                skipped++;
                firstSkipped = firstSkipped == null ? e.where() + ": " + problem : firstSkipped;
                continue;
            }
            List<Pieces> windows;
            try {
                windows = tok.encodeWindows(e.question().stripLeading(), e.context(), maxLength, stride);
            } catch (IllegalArgumentException ex) {
                throw Problems.of(data.file(), e.where() + ": the question " + ex.getMessage());
            }
            for (Pieces p : windows) {
                rows.add(p);
                example.add(i);
                if (training) {
                    spans.add(label(p, e, cls));
                }
            }
        }
        if (rows.isEmpty()) {
            throw Problems.of(data.file(), "no questions left after skipping " + skipped + " (first: " + firstSkipped + ")");
        }
        return assemble(data, rows, example, training ? spans : null, skipped, firstSkipped);
    }

    /** Why a training example's first answer cannot be a label: its text is not at its answer_start; null when fine. */
    static String answerProblem(QaExamples.Example e) {
        if (e.answers().isEmpty()) {
            return null; // run_qa labels such windows with the CLS position
        }
        String text = e.answers().get(0);
        int s = e.starts()[0];
        if (text.isEmpty()) {
            return "the answer text is empty";
        }
        if (s + text.length() > e.context().length() || !e.context().startsWith(text, s)) {
            String there = e.context().substring(Math.min(s, e.context().length()), Math.min(s + text.length(), e.context().length()));
            return "answer " + Problems.quote(text) + " is not at answer_start " + s + " of its context (found "
                    + Problems.quote(there) + ")";
        }
        return null;
    }

    /** The answer's first and last token in the window, or the CLS position twice when the window does not hold it. */
    static long[] label(Pieces p, QaExamples.Example e, int clsId) {
        int cls = 0;
        for (int t = 0; t < p.length(); t++) {
            if (p.ids()[t] == clsId) {
                cls = t;
                break;
            }
        }
        if (e.answers().isEmpty()) {
            return new long[] {cls, cls};
        }
        int startChar = e.starts()[0];
        int endChar = startChar + e.answers().get(0).length();
        int first = 0;
        while (first < p.length() && p.sequenceIds()[first] != 1) {
            first++;
        }
        int last = p.length() - 1;
        while (last >= 0 && p.sequenceIds()[last] != 1) {
            last--;
        }
        if (first > last || !(p.starts()[first] <= startChar && p.ends()[last] >= endChar)) {
            return new long[] {cls, cls};
        }
        int s = first;
        while (s <= last && p.starts()[s] <= startChar) {
            s++;
        }
        int t = last;
        while (t >= first && p.ends()[t] >= endChar) {
            t--;
        }
        return new long[] {s - 1, t + 1};
    }

    private static QaFeatures assemble(QaExamples data, List<Pieces> rows, List<Integer> example, List<long[]> spans,
            int skipped, String firstSkipped) {
        int n = rows.size();
        long[][] ids = new long[n][];
        long[][] types = new long[n][];
        int[][] os = new int[n][];
        int[][] oe = new int[n][];
        long[] start = spans == null ? null : new long[n];
        long[] end = spans == null ? null : new long[n];
        for (int f = 0; f < n; f++) {
            Pieces p = rows.get(f);
            ids[f] = p.ids();
            types[f] = p.typeIds();
            os[f] = new int[p.length()];
            oe[f] = new int[p.length()];
            for (int t = 0; t < p.length(); t++) {
                boolean context = p.sequenceIds()[t] == 1;
                os[f][t] = context ? p.starts()[t] : -1;
                oe[f][t] = context ? p.ends()[t] : -1;
            }
            if (spans != null) {
                start[f] = spans.get(f)[0];
                end[f] = spans.get(f)[1];
            }
        }
        return new QaFeatures(data, ids, types, os, oe, example.stream().mapToInt(Integer::intValue).toArray(), start, end,
                skipped, firstSkipped);
    }

    @Override
    public Batch batch(int[] indices, long padId, long seed) {
        return batch(indices, padId);
    }

    /** The features at {@code indices} padded to the longest, with their answer spans when these are training features. */
    public Batch batch(int[] indices, long padId) {
        int longest = Padding.longest(ids, indices);
        Batch b = Batch.classification(Padding.gather(ids, indices, longest, padId), Padding.mask(ids, indices, longest),
                Padding.gather(typeIds, indices, longest, 0), null, indices.clone());
        if (startPositions == null) {
            return b;
        }
        return b.withSpans(Arrays.stream(indices).mapToLong(i -> startPositions[i]).toArray(),
                Arrays.stream(indices).mapToLong(i -> endPositions[i]).toArray());
    }
}
