package org.finetune4j.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.finetune4j.tokenize.ChatTemplate;
import org.finetune4j.tokenize.TokenSpans;
import org.finetune4j.tokenize.Tokenizer;

/**
 * Tokenized instruction examples for a causal LM: {@code ids[i]} and its token labels {@code labels[i]}
 * (the id where the loss is taken, -100 elsewhere; the causal-LM loss shifts them), from {@code lines[i]}
 * of {@code file}. A token is trained when its character span overlaps a response span of the rendered
 * text, so a prompt token that merged with the response's first characters is trained (it is the token
 * that emits them) and every token wholly inside the prompt is not, however the text tokenized. EOS is
 * appended after a final response and trained, whatever the pad id. {@code truncated} examples lost
 * tokens to max_length; {@code skipped} lost every response token and were left out.
 */
public record InstructionData(Path file, long[][] ids, long[][] labels, int[] lines, int truncated, int skipped,
        String firstSkipped) implements TokenRows {

    /** One example's ids and labels, before any dataset is built. */
    public record Labelled(long[] ids, long[] labels) {

        /** Number of labels the causal-LM loss takes (those after the first position that are not -100). */
        public long trained() {
            long n = 0;
            for (int t = 1; t < labels.length; t++) {
                n += labels[t] != -100 ? 1 : 0;
            }
            return n;
        }
    }

    /** Renders, tokenizes (once, whole, with offsets) and labels every record; truncates to {@code maxLength}. */
    public static InstructionData build(InstructionRecords.Read read, InstructionTemplate template, Tokenizer tok,
            int maxLength, boolean trainOnInputs) {
        int n = read.records().size();
        long[][] ids = new long[n][];
        long[][] labels = new long[n][];
        int[] lines = new int[n];
        int kept = 0;
        int truncated = 0;
        int skipped = 0;
        String firstSkipped = null;
        int eos = tok.special().eos();
        for (InstructionRecord r : read.records()) {
            InstructionTemplate.Rendered text = render(read.file(), r, template);
            TokenSpans enc = tok.encodeWithSpans(text.text(), text.specials());
            Labelled full = label(enc, text, eos, trainOnInputs, Integer.MAX_VALUE);
            Labelled l = full.ids().length > maxLength ? label(enc, text, eos, trainOnInputs, maxLength) : full;
            truncated += full.ids().length > maxLength ? 1 : 0;
            if (l.trained() == 0) {
                skipped++;
                if (firstSkipped == null) {
                    firstSkipped = read.file() + ":" + r.line() + " record " + r.record() + " (" + full.ids().length + " tokens, max_length " + maxLength + ")";
                }
                continue;
            }
            ids[kept] = l.ids();
            labels[kept] = l.labels();
            lines[kept++] = r.line();
        }
        return new InstructionData(read.file(), Arrays.copyOf(ids, kept), Arrays.copyOf(labels, kept), Arrays.copyOf(lines, kept),
                truncated, skipped, firstSkipped);
    }

    private static InstructionTemplate.Rendered render(Path file, InstructionRecord r, InstructionTemplate template) {
        try {
            return template.render(r);
        } catch (IllegalArgumentException | ChatTemplate.RenderException e) {
            throw Problems.at(file, r.line(), "record " + r.record() + ": cannot render it with template " + template.name() + ": " + e.getMessage());
        }
    }

    /**
     * Labels one encoded text: tokens overlapping a response span keep their id (all tokens when
     * {@code trainOnInputs}); EOS ({@code eos} >= 0) is appended and trained when the text ends with a
     * response whose tokens hold no EOS yet; the result is cut to {@code maxLength} tokens.
     */
    public static Labelled label(TokenSpans enc, InstructionTemplate.Rendered text, int eos, boolean trainOnInputs, int maxLength) {
        int t = enc.length();
        List<int[]> spans = text.spans();
        boolean endsWithResponse = !spans.isEmpty() && text.text().substring(spans.get(spans.size() - 1)[1]).isBlank();
        boolean eosInLast = false;
        long[] ids = Arrays.copyOf(enc.ids(), t + 1);
        long[] labels = new long[t + 1];
        for (int i = 0; i < t; i++) {
            int span = spanOf(enc.starts()[i], enc.ends()[i], spans);
            labels[i] = trainOnInputs || span >= 0 ? ids[i] : -100;
            eosInLast |= span == spans.size() - 1 && ids[i] == eos;
        }
        int length = t;
        if (eos >= 0 && endsWithResponse && !eosInLast && (t == 0 || ids[t - 1] != eos)) {
            ids[t] = eos;
            labels[t] = eos;
            length = t + 1;
        }
        length = Math.min(length, maxLength);
        return new Labelled(Arrays.copyOf(ids, length), Arrays.copyOf(labels, length));
    }

    /** The index of the first span that characters [start, end) overlap, or -1 (tokens without characters overlap none). */
    static int spanOf(int start, int end, List<int[]> spans) {
        if (start < 0 || end <= start) {
            return -1;
        }
        for (int s = 0; s < spans.size(); s++) {
            if (start < spans.get(s)[1] && end > spans.get(s)[0]) {
                return s;
            }
        }
        return -1;
    }

    /** Tokens over all examples. */
    public long tokens() {
        return Arrays.stream(ids).mapToLong(row -> row.length).sum();
    }

    /** Labels the loss takes over all examples (after the shift). */
    public long trainedTokens() {
        long n = 0;
        for (int i = 0; i < ids.length; i++) {
            n += new Labelled(ids[i], labels[i]).trained();
        }
        return n;
    }

    /** The examples at {@code indices} padded with {@code padId} (labels -100 there); loss items = labels after the shift. */
    @Override
    public Batch batch(int[] indices, long padId, long seed) {
        int longest = Padding.longest(ids, indices);
        long items = 0;
        for (int i : indices) {
            items += new Labelled(ids[i], labels[i]).trained();
        }
        return Batch.tokenLabelled(Padding.gather(ids, indices, longest, padId), Padding.mask(ids, indices, longest),
                new long[indices.length][longest], Padding.gather(labels, indices, longest, -100L), indices.clone(), items);
    }
}
