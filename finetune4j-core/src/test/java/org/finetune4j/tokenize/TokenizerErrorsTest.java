package org.finetune4j.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.finetune4j.Finetune4jException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad tokenizer folders fail with one-line {@link Finetune4jException}s that name the file. */
class TokenizerErrorsTest {

    @TempDir
    Path tmp;

    @Test
    void missingTokenizer() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("empty-model"));
        Files.writeString(dir.resolve("config.json"), "{}");
        failsWith(dir, "empty-model: no tokenizer (expected tokenizer.json, vocab.txt or vocab.json + merges.txt)");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0}");
        failsWith(dir, "vocab.json without merges.txt");
        failsWith(tmp.resolve("nowhere"), "nowhere: not a folder");
    }

    @Test
    void malformedVocabJson() throws Exception {
        Path dir = Fixtures.copy("gpt2-lm", tmp.resolve("gpt2"));
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0,\n \"b\": 1,,}");
        failsWith(dir, "vocab.json: malformed JSON at line 2, column");
        Files.writeString(dir.resolve("vocab.json"), "[\"a\", \"b\"]");
        failsWith(dir, "vocab.json: expected a JSON object of token -> id, found a JSON array");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0, \"b\": \"one\"}");
        failsWith(dir, "vocab.json: id of token 'b' is not a non-negative integer: \"one\"");
    }

    @Test
    void mergesLineWithOneToken() throws Exception {
        Path dir = Fixtures.copy("roberta-seqcls", tmp.resolve("roberta"));
        String merges = Files.readString(dir.resolve("merges.txt"));
        Files.writeString(dir.resolve("merges.txt"), merges.replaceFirst("\nĠ t\n", "\nĠt\n"));
        failsWith(dir, "merges.txt line 3: expected two tokens separated by one space, got 'Ġt'");
        Files.writeString(dir.resolve("merges.txt"), merges + "x y\n");
        failsWith(dir, "merges.txt: merge 133 'x y' uses 'xy', which is not in vocab.json");
    }

    @Test
    void unreadableTokenizerJson() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("broken"));
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"model\": ");
        failsWith(dir, "tokenizer.json: malformed JSON");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"model\": {\"type\": \"Nope\"}}");
        failsWith(dir, "tokenizer.json: rejected by the tokenizer library (data did not match any variant");
    }

    @Test
    void malformedConfigAndVocabTxt() throws Exception {
        Path dir = Fixtures.copy("bert-seqcls", tmp.resolve("bert"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": tru}");
        failsWith(dir, "tokenizer_config.json: malformed JSON at line 1");
        Files.delete(dir.resolve("tokenizer_config.json"));
        Files.delete(dir.resolve("special_tokens_map.json"));
        Files.writeString(dir.resolve("vocab.txt"), "[PAD]\n[UNK]\n[SEP]\nhello\n");
        failsWith(dir, "vocab.txt: no id for cls_token '[CLS]'");
    }

    private static void failsWith(Path dir, String message) {
        AbstractThrowableAssert<?, ?> t = assertThatThrownBy(() -> Tokenizer.load(dir).close())
                .isInstanceOf(Finetune4jException.class)
                .hasMessageContaining(message);
        t.satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
