package org.finetune4j.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.finetune4j.Finetune4jException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Folder kinds, special tokens, OPT's prepended {@code </s>}, batches, pair truncation and padding rules. */
class TokenizerFoldersTest {

    @Test
    void distilBertVocabularyGivesTheBertGoldens() {
        JsonNode golden = Fixtures.golden("bert-seqcls");
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("distilbert-seqcls"))) {
            assertThat(tok.kind()).isEqualTo("wordpiece (vocab.txt)");
            for (JsonNode c : golden.get("cases")) {
                Encoding e = tok.encode(c.get("text").asText(), null, 16, true);
                TokenizerGoldenTest.assertEncoding(e, c.get("max_length_16"));
                TokenizerGoldenTest.assertEncoding(tok.encode(c.get("text").asText(), null, 0, false), c.get("plain"));
            }
        }
    }

    @Test
    void optPrependsEndOfSentenceThenGpt2Ids() {
        JsonNode golden = Fixtures.golden("gpt2-lm");
        try (Tokenizer opt = Tokenizer.load(Fixtures.dir("opt-lm"))) {
            assertThat(opt.special()).isEqualTo(new SpecialTokens(1, 2, 2, 2, -1, -1, -1));
            for (JsonNode c : golden.get("cases")) {
                long[] gpt2 = Fixtures.longs(c.get("plain").get("input_ids"));
                long[] ids = opt.encode(c.get("text").asText(), null, 0, false).ids();
                assertThat(ids[0]).isEqualTo(2);
                assertThat(Arrays.copyOfRange(ids, 1, ids.length)).containsExactly(gpt2);
                assertThat(opt.decode(ids, true)).isEqualTo(c.get("decoded").asText());
            }
            Encoding pair = opt.encode("is it good?", "yes, very good.", 0, false);
            assertThat(pair.ids()).containsExactly(2, 76, 86, 296, 384, 34, 2, 92, 268, 15, 224, 329, 384, 17);
            assertThat(pair.typeIds()).containsExactly(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
        }
    }

    @Test
    void specialTokensKindsAndSizes() {
        try (Tokenizer bert = Tokenizer.load(Fixtures.dir("bert-seqcls"));
                Tokenizer roberta = Tokenizer.load(Fixtures.dir("roberta-seqcls"));
                Tokenizer gpt2 = Tokenizer.load(Fixtures.dir("gpt2-lm"))) {
            assertThat(bert.special()).isEqualTo(new SpecialTokens(0, 1, -1, -1, 2, 3, 4));
            assertThat(roberta.special()).isEqualTo(new SpecialTokens(1, 3, 0, 2, 0, 2, 392));
            assertThat(gpt2.special()).isEqualTo(new SpecialTokens(393, 393, 393, 393, -1, -1, -1));
            assertThat(bert.vocabSize()).isEqualTo(275);
            assertThat(roberta.vocabSize()).isEqualTo(394);
            assertThat(gpt2.vocabSize()).isEqualTo(394);
            assertThat(roberta.kind()).isEqualTo("byte-level bpe (vocab.json + merges.txt)");
            // the Rust library keeps the space that <mask> (lstrip) absorbed in the token text; the id is the same
            assertThat(roberta.encode("a <mask> b", null, 0, false).ids()).containsExactly(0, 68, 392, 269, 2);
            assertThat(gpt2.tokenize("hi<|endoftext|>")).containsExactly("h", "i", "<|endoftext|>");
            assertThat(bert.tokenize("A [MASK] b")).containsExactly("a", "[MASK]", "b");
        }
    }

    @Test
    void batchIsRightPaddedToItsLongestRowWithThePadId() {
        try (Tokenizer roberta = Tokenizer.load(Fixtures.dir("roberta-seqcls"))) {
            Batch b = roberta.encodeBatch(List.of("is it good?", "good"), null, 0);
            long[] first = roberta.encode("is it good?", null, 0, false).ids();
            long[] second = roberta.encode("good", null, 0, false).ids();
            assertThat(b.size()).isEqualTo(2);
            assertThat(b.length()).isEqualTo(first.length);
            assertThat(b.ids()[0]).containsExactly(first);
            assertThat(Arrays.copyOf(b.ids()[1], second.length)).containsExactly(second);
            assertThat(Arrays.copyOfRange(b.ids()[1], second.length, first.length)).containsOnly(1L);
            assertThat(LongStream.of(b.attentionMask()[1]).sum()).isEqualTo(second.length);
            assertThat(b.typeIds()[1]).containsOnly(0L);
        }
    }

    @Test
    void batchOfPairsKeepsSegmentIdsAndTruncates() {
        try (Tokenizer bert = Tokenizer.load(Fixtures.dir("bert-seqcls"))) {
            JsonNode pair = Fixtures.golden("bert-seqcls").get("pair_case");
            Batch b = bert.encodeBatch(List.of("is it good?", "The quick brown fox jumps over the lazy dog"),
                    List.of("yes, very good.", "no"), 12);
            assertThat(b.length()).isEqualTo(12);
            assertThat(b.ids()[0]).containsExactly(2, 176, 178, 166, 25, 3, 71, 77, 91, 16, 68, 3);
            assertThat(b.typeIds()[0]).containsExactly(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1);
            assertThat(b.attentionMask()[1]).containsOnly(1L);
            assertThat(Fixtures.longs(pair.get("encoding").get("input_ids"))).startsWith(2, 176, 178, 166, 25, 3, 71, 77, 91, 16, 68);
        }
    }

    /**
     * Pair truncation is the Rust library's longest_first (what AutoTokenizer's fast tokenizers do):
     * 4 + 9 tokens into 7 gives 3 + 4. The slow Python tokenizers remove one token at a time from
     * the longer side and, on ties, from the pair, which would give 4 + 3 here.
     */
    @Test
    void pairTruncationIsLongestFirstOfTheFastTokenizers() {
        try (Tokenizer bert = Tokenizer.load(Fixtures.dir("bert-seqcls"))) {
            Encoding e = bert.encode("is it good?", "yes, very good.", 10, true);
            assertThat(e.tokens()).containsExactly("[CLS]", "is", "it", "good", "[SEP]", "y", "##e", "##s", ",", "[SEP]");
            Encoding longer = bert.encode("is it good?", "yes, very good.", 14, true);
            assertThat(longer.tokens()).containsExactly(
                    "[CLS]", "is", "it", "good", "?", "[SEP]", "y", "##e", "##s", ",", "v", "##er", "##y", "[SEP]");
            Encoding padded = bert.encode("is it good?", "yes", 12, true);
            assertThat(padded.ids()).containsExactly(2, 176, 178, 166, 25, 3, 71, 77, 91, 3, 0, 0);
            assertThat(padded.typeIds()).containsExactly(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0);
            assertThat(padded.attentionMask()).containsExactly(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0);
            assertThat(padded.tokens()).endsWith("[SEP]", "[PAD]", "[PAD]");
        }
    }

    @Test
    void lengthRulesAndDecodeOptions() {
        try (Tokenizer bert = Tokenizer.load(Fixtures.dir("bert-seqcls"))) {
            assertThat(bert.encode("hello world", null, 2, true).ids()).containsExactly(2, 3);
            assertThatThrownBy(() -> bert.encode("hello", "world", 2, false)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> bert.encode("hello", null, 0, true)).isInstanceOf(IllegalArgumentException.class);
            long[] ids = bert.encode("is it good?", null, 0, false).ids();
            assertThat(bert.decode(ids, false)).isEqualTo("[CLS] is it good? [SEP]");
            assertThat(bert.decode(ids, true)).isEqualTo("is it good?");
            assertThat(bert.encode("", null, 0, false).ids()).containsExactly(2, 3);
            assertThat(bert.encodeBatch(List.of(), null, 0).size()).isZero();
        }
    }

    @Test
    void paddingWithoutPadTokenIsAnError(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.copy("gpt2-lm", tmp.resolve("gpt2-nopad"));
        Files.writeString(dir.resolve("special_tokens_map.json"), "{}");
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"tokenizer_class\": \"GPT2Tokenizer\", \"eos_token\": \"<|endoftext|>\"}");
        try (Tokenizer gpt2 = Tokenizer.load(dir)) {
            assertThat(gpt2.special().pad()).isEqualTo(-1);
            assertThat(gpt2.special().eos()).isEqualTo(393);
            assertThat(gpt2.encodeBatch(List.of("same", "same"), null, 0).length()).isEqualTo(gpt2.tokenize("same").size());
            assertThatThrownBy(() -> gpt2.encodeBatch(List.of("a", "a longer row"), null, 0))
                    .isInstanceOf(Finetune4jException.class)
                    .hasMessageContaining("gpt2-nopad").hasMessageContaining("no pad token");
        }
    }
}
