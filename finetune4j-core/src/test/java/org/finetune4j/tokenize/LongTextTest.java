package org.finetune4j.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A text truncated to max_length tokens costs what its first words do, and keeps the whole text's tokens. */
class LongTextTest {

    private static final String[] WORDS = {"the", "movie", "was", "great", "and", "music", "even", "better", "cat", "sat",
        "on", "mat", "good", "caf\u00e9", "\u6211\u7231", "unknownish", "12,5", "don't", "!", "...", "(yes)"};
    private static final String[] GAPS = {" ", " ", " ", "  ", "\n", "\t", " \n "};

    @ParameterizedTest
    @ValueSource(strings = {"bert-seqcls", "gpt2-lm", "roberta-seqcls"})
    void truncationKeepsTheTokensOfTheWholeText(String fixture) {
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir(fixture))) {
            int lead = tok.encode("", null, 0, false).length(); // specials around a text
            for (long seed = 1; seed <= 6; seed++) {
                String text = text(seed, 3000);
                String question = text(seed + 100, 4);
                for (int max : new int[] {8, 32, 33}) {
                    long[] full = tok.encode(text, null, 0, false).ids();
                    long[] got = tok.encode(text, null, max, false).ids();
                    long[] expected = LongStream.concat(Arrays.stream(full, 0, max - 1), Arrays.stream(full, full.length - (lead == 0 ? 0 : 1), full.length))
                            .toArray();
                    assertThat(got).as("%s seed %d max %d", fixture, seed, max)
                            .containsExactly(lead == 0 ? Arrays.copyOf(full, max) : expected);
                    long[] q = tok.encode(question, null, 0, false).ids();
                    long[] pair = tok.encode(question, text, max + 64, false).ids();
                    assertThat(Arrays.copyOf(pair, q.length - (lead == 0 ? 0 : 1))).as("pair: the question whole")
                            .containsExactly(Arrays.copyOf(q, q.length - (lead == 0 ? 0 : 1)));
                    assertThat(pair).hasSize(max + 64);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert-seqcls", "gpt2-lm"})
    void tenMegabytesOfTextAreNotTokenizedToKeep32Tokens(String fixture) {
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir(fixture))) {
            String text = text(7, 2_000_000);
            assertThat(text.length()).isGreaterThan(10_000_000);
            long before = tok.encodedChars;
            assertThat(tok.encode(text, null, 32, false).length()).isEqualTo(32);
            assertThat(tok.encode("a question", text, 32, false).length()).isEqualTo(32);
            assertThat(tok.encodedChars - before).isLessThan(10_000);
        }
    }

    private static String text(long seed, int words) {
        Random rng = new Random(seed);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < words; i++) {
            b.append(WORDS[rng.nextInt(WORDS.length)]).append(GAPS[rng.nextInt(GAPS.length)]);
        }
        return b.toString();
    }
}
