package org.finetune4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.finetune4j.Fixtures;
import org.finetune4j.tokenize.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The masking collator's statistics and invariants, over real tokenized text with specials and padding. */
class MaskedLmTest {

    private static final String[] WORDS = {"the", "cat", "sat", "on", "mat", "and", "looked", "at", "small", "dog",
        "we", "will", "walk", "to", "park", "after", "lunch", "please", "open", "window", "unbelievably", "zyx", "qwerty"};

    /** Random sentences of the fixture vocabulary (some words split into ## pieces), one a line. */
    private static List<TextSource.Text> sentences(int n) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        List<TextSource.Text> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            int len = 3 + r.nextInt(20);
            for (int k = 0; k < len; k++) {
                sb.append(WORDS[r.nextInt(WORDS.length)]).append(' ');
            }
            out.add(new TextSource.Text(Path.of("mem.txt"), i + 1, sb.toString().strip() + "."));
        }
        return out;
    }

    @Test
    void chosenRateAndSplitMatchTransformers() {
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("bert-mlm"))) {
            LmData.Masking masking = LmData.masking(tok, 0.15, false);
            LmData data = LmData.lineByLine(sentences(4000), tok, 64, LmData.Objective.MLM, masking);
            Set<Long> specials = LmData.specialIds(tok);
            long candidates = 0, chosen = 0, masked = 0, random = 0, kept = 0;
            for (int start = 0; start + 32 <= data.size(); start += 32) {
                int[] idx = java.util.stream.IntStream.range(start, start + 32).toArray();
                Batch b = data.batch(idx, tok.special().pad(), 1000 + start);
                assertThat(b.lossItems()).isEqualTo(Batch.labelled(b.tokenLabels()));
                for (int r = 0; r < idx.length; r++) {
                    long[] orig = data.ids(idx[r]);
                    for (int t = 0; t < b.length(); t++) {
                        long label = b.tokenLabels()[r][t];
                        boolean real = t < orig.length;
                        if (!real || specials.contains(orig[t])) {
                            assertThat(label).as("special or pad chosen").isEqualTo(-100L);
                            assertThat(b.inputIds()[r][t]).isEqualTo(real ? orig[t] : tok.special().pad());
                            continue;
                        }
                        candidates++;
                        if (label == -100) {
                            assertThat(b.inputIds()[r][t]).as("unchosen token changed").isEqualTo(orig[t]);
                            continue;
                        }
                        chosen++;
                        assertThat(label).as("label is the original id").isEqualTo(orig[t]);
                        long in = b.inputIds()[r][t];
                        if (in == tok.special().mask()) {
                            masked++;
                        } else if (in == orig[t]) {
                            kept++; // includes the rare random draw of the same id
                        } else {
                            random++;
                        }
                    }
                }
            }
            assertThat(candidates).isGreaterThan(100_000);
            assertThat((double) chosen / candidates).isCloseTo(0.15, within(0.005));
            assertThat((double) masked / chosen).isCloseTo(0.80, within(0.01));
            assertThat((double) random / chosen).isCloseTo(0.10, within(0.01));
            assertThat((double) kept / chosen).isCloseTo(0.10, within(0.01));
        }
    }

    @Test
    void sameSeedSameMaskingOtherSeedOther() {
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("bert-mlm"))) {
            LmData data = LmData.lineByLine(sentences(64), tok, 64, LmData.Objective.MLM, LmData.masking(tok, 0.15, false));
            int[] idx = java.util.stream.IntStream.range(0, 64).toArray();
            Batch a = data.batch(idx, 0, 5);
            Batch b = data.batch(idx, 0, 5);
            Batch c = data.batch(idx, 0, 6);
            assertThat(a.tokenLabels()).isDeepEqualTo(b.tokenLabels());
            assertThat(a.inputIds()).isDeepEqualTo(b.inputIds());
            assertThat(java.util.Arrays.deepEquals(a.tokenLabels(), c.tokenLabels())).isFalse();
        }
    }

    @Test
    void wholeWordMaskingChoosesEveryPieceOrNone() {
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("bert-mlm"))) {
            LmData.Masking masking = LmData.masking(tok, 0.15, true);
            assertThat(masking.wordPiece()).isTrue();
            List<TextSource.Text> texts = sentences(2000);
            LmData data = LmData.lineByLine(texts, tok, 64, LmData.Objective.MLM, masking);
            long pieces = 0, wordsChosen = 0, words = 0;
            for (int start = 0; start + 50 <= data.size(); start += 50) {
                int[] idx = java.util.stream.IntStream.range(start, start + 50).toArray();
                Batch b = data.batch(idx, 0, start);
                for (int r = 0; r < idx.length; r++) {
                    long[] orig = data.ids(idx[r]);
                    String[] tokens = tok.encode(texts.get(idx[r]).text(), null, 64, false).tokens();
                    // group positions into words: a piece starting with ## continues the word before it
                    int t = 1;
                    while (t < orig.length - 1) {
                        int end = t + 1;
                        while (end < orig.length - 1 && tokens[end].startsWith("##")) {
                            end++;
                        }
                        boolean first = b.tokenLabels()[r][t] != -100;
                        for (int k = t; k < end; k++) {
                            assertThat(b.tokenLabels()[r][k] != -100).as("row %d word at %d", idx[r], t).isEqualTo(first);
                        }
                        if (end - t > 1) {
                            pieces++;
                        }
                        words++;
                        wordsChosen += first ? 1 : 0;
                        t = end;
                    }
                }
            }
            assertThat(pieces).as("multi-piece words seen").isGreaterThan(1000);
            assertThat((double) wordsChosen / words).isCloseTo(0.15, within(0.01));
        }
    }

    @Test
    void wordsFromTokens() {
        boolean[] sp = {true, false, false, false, false, true};
        assertThat(MaskedLm.words(new String[] {"[CLS]", "un", "##believ", "##ably", "cat", "[SEP]"}, sp, true))
                .containsExactly(-1, 0, 0, 0, 1, -1);
        assertThat(MaskedLm.words(new String[] {"<s>", "\u0120un", "bel", "\u0120cat", "s", "</s>"}, sp, false))
                .containsExactly(-1, 0, 0, 1, 1, -1);
    }

    @Test
    void chunkedBlocksAreExactAndEndDocumentsWithEosForClm(@TempDir Path dir) {
        Path f = TestFiles.write(dir, "corpus.txt", "the cat sat on the mat.\nwe will walk.\n\nplease open the window.\n");
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("gpt2-lm"))) {
            long eos = tok.special().eos();
            LmData d = LmData.chunked(TextSource.documents(f, "text"), tok, 5, LmData.Objective.CLM, null, eos);
            List<Long> all = new ArrayList<>();
            for (List<TextSource.Text> doc : TextSource.documents(f, "text")) {
                for (TextSource.Text t : doc) {
                    for (long id : tok.encode(t.text(), null, 0, false).ids()) {
                        all.add(id);
                    }
                }
                all.add(eos);
            }
            assertThat(d.size()).isEqualTo(all.size() / 5);
            for (int i = 0; i < d.size(); i++) {
                assertThat(d.ids(i)).hasSize(5);
                for (int k = 0; k < 5; k++) {
                    assertThat(d.ids(i)[k]).isEqualTo(all.get(i * 5 + k));
                }
            }
            assertThat(d.source(0)).endsWith("corpus.txt:1");
        }
    }

    @Test
    void sentencePairsAreClsASepBSepWithHalfRandomSecondSegments(@TempDir Path dir) {
        StringBuilder sb = new StringBuilder();
        List<TextSource.Text> lines = sentences(600);
        for (int i = 0; i < lines.size(); i++) {
            sb.append(lines.get(i).text()).append('\n');
            if (i % 6 == 5) {
                sb.append('\n');
            }
        }
        Path f = TestFiles.write(dir, "docs.txt", sb.toString());
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("bert-mlm"))) {
            LmData d = LmData.sentencePairs(TextSource.documents(f, "text"), tok, 48, LmData.masking(tok, 0.15, false), 0.5, 3);
            int random = 0;
            int[] idx = java.util.stream.IntStream.range(0, d.size()).toArray();
            Batch b = d.batch(idx, 0, 1);
            for (int r = 0; r < d.size(); r++) {
                long[] ids = d.ids(r);
                assertThat(ids.length).isLessThanOrEqualTo(48);
                assertThat(ids[0]).isEqualTo(tok.special().cls());
                assertThat(ids[ids.length - 1]).isEqualTo(tok.special().sep());
                long seps = java.util.Arrays.stream(ids).filter(x -> x == tok.special().sep()).count();
                assertThat(seps).isEqualTo(2);
                int firstSep = 0;
                while (ids[firstSep] != tok.special().sep()) {
                    firstSep++;
                }
                for (int t = 0; t < ids.length; t++) {
                    assertThat(b.tokenTypeIds()[r][t]).isEqualTo(t > firstSep ? 1L : 0L);
                }
                random += (int) b.nextSentenceLabels()[r];
            }
            assertThat(d.size()).isGreaterThan(100);
            assertThat((double) random / d.size()).isBetween(0.35, 0.75); // 50% drawn plus the one-line chunks
        }
    }

    @Test
    void pretrainingNeedsTwoDocuments(@TempDir Path dir) {
        Path f = TestFiles.write(dir, "one.txt", "the cat sat.\nthe dog sat.\n");
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("bert-mlm"))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> LmData.sentencePairs(TextSource.documents(f, "text"), tok,
                    32, LmData.masking(tok, 0.15, false), 0.5, 1)).hasMessageContaining("one.txt: next-sentence prediction needs at least 2");
        }
    }
}
