package org.finetune4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.finetune4j.Finetune4jException;
import org.finetune4j.Fixtures;
import org.finetune4j.tokenize.ChatTemplate;
import org.finetune4j.tokenize.ChatTemplate.Message;
import org.finetune4j.tokenize.TokenSpans;
import org.finetune4j.tokenize.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Instruction data: templates, response spans, labels from character spans, EOS, truncation, batches. */
class InstructionDataTest {

    @TempDir
    Path dir;

    /**
     * A BPE tokenizer with one merge, "a b", no pre-tokenizer and a BOS post-processor: in "dcabd" the
     * prompt's last character 'a' and the response's first 'b' become one token "ab".
     */
    private Tokenizer mergingTokenizer() {
        Path t = dir.resolve("merging");
        TestFiles.write(dir, "merging.keep", "");
        try {
            java.nio.file.Files.createDirectories(t);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String special = "\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true";
        TestFiles.write(t, "tokenizer.json", "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,"
                + "\"added_tokens\":[{\"id\":0,\"content\":\"<s>\"," + special + "},{\"id\":1,\"content\":\"</s>\"," + special + "}],"
                + "\"normalizer\":null,\"pre_tokenizer\":null,"
                + "\"post_processor\":{\"type\":\"TemplateProcessing\","
                + "\"single\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}],"
                + "\"pair\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
                + "{\"Sequence\":{\"id\":\"B\",\"type_id\":1}}],"
                + "\"special_tokens\":{\"<s>\":{\"id\":\"<s>\",\"ids\":[0],\"tokens\":[\"<s>\"]}}},"
                + "\"decoder\":null,\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":null,"
                + "\"end_of_word_suffix\":null,\"fuse_unk\":false,\"byte_fallback\":false,"
                + "\"vocab\":{\"<s>\":0,\"</s>\":1,\"a\":2,\"b\":3,\"c\":4,\"d\":5,\" \":6,\"ab\":7},\"merges\":[\"a b\"]}}");
        TestFiles.write(t, "tokenizer_config.json", "{\"bos_token\":\"<s>\",\"eos_token\":\"</s>\"}");
        return Tokenizer.load(t);
    }

    private static InstructionRecords.Read records(Path file, InstructionRecord... r) {
        return new InstructionRecords.Read(file, List.of(r), 0, null);
    }

    private static String trainedText(Tokenizer tok, InstructionData d, int i) {
        long[] trained = IntStream.range(1, d.labels()[i].length).filter(t -> d.labels()[i][t] != -100)
                .mapToLong(t -> d.labels()[i][t]).toArray();
        return tok.decode(trained, false);
    }

    @Test
    void promptTokenMergedWithTheResponseStartIsTrainedAndTheRestOfThePromptIsNot() {
        try (Tokenizer tok = mergingTokenizer()) {
            // the prompt alone tokenizes as <s> d c a: 4 tokens; in context its last character merges into "ab"
            assertThat(tok.encodeWithSpans("dca", true).ids()).containsExactly(0, 5, 4, 2);
            TokenSpans whole = tok.encodeWithSpans("dcabd", true);
            assertThat(whole.ids()).containsExactly(0, 5, 4, 7, 5);
            assertThat(whole.starts()).containsExactly(-1, 0, 1, 2, 4);

            InstructionData d = InstructionData.build(records(dir.resolve("x.jsonl"),
                    new InstructionRecord.PromptCompletion(1, 1, "dca", "bd")), new InstructionTemplate.Raw(), tok, 64, false);
            // exactly the tokens that hold response characters ("ab", "d") and the EOS appended are trained
            assertThat(d.ids()[0]).containsExactly(0, 5, 4, 7, 5, 1);
            assertThat(d.labels()[0]).containsExactly(-100, -100, -100, 7, 5, 1);
            // masking the prompt's own token count (4) instead would have masked "ab" too
            long[] byCount = d.ids()[0].clone();
            Arrays.fill(byCount, 0, 4, -100);
            assertThat(d.labels()[0]).isNotEqualTo(byCount);
        }
    }

    @Test
    void trainOnInputsTrainsEveryTokenAndTruncationCutsFromTheEnd() {
        try (Tokenizer tok = mergingTokenizer()) {
            InstructionRecord r = new InstructionRecord.PromptCompletion(1, 1, "dc ", "abd");
            InstructionData all = InstructionData.build(records(dir.resolve("x.jsonl"), r), new InstructionTemplate.Raw(), tok, 64, true);
            assertThat(all.labels()[0]).containsExactly(all.ids()[0]);

            InstructionData cut = InstructionData.build(records(dir.resolve("x.jsonl"), r), new InstructionTemplate.Raw(), tok, 5, false);
            assertThat(cut.ids()[0]).containsExactly(0, 5, 4, 6, 7); // <s> d c ' ' ab | d </s> cut off
            assertThat(cut.labels()[0]).containsExactly(-100, -100, -100, -100, 7);
            assertThat(cut.truncated()).isEqualTo(1);

            InstructionData gone = InstructionData.build(records(dir.resolve("x.jsonl"), r,
                    new InstructionRecord.PromptCompletion(7, 2, "d", "c")), new InstructionTemplate.Raw(), tok, 4, false);
            assertThat(gone.size()).isEqualTo(1);
            assertThat(gone.skipped()).isEqualTo(1);
            assertThat(gone.firstSkipped()).contains("x.jsonl:1 record 1");
            assertThat(gone.lines()).containsExactly(7);
        }
    }

    @Test
    void eosIsTrainedWhenPadIsEosAndLossItemsCountLabelsAfterTheShift() {
        Path gpt2 = Fixtures.dir("gpt2-lm");
        try (Tokenizer tok = Tokenizer.load(gpt2)) {
            int eos = tok.special().eos();
            assertThat(tok.special().pad()).isEqualTo(eos);
            InstructionData d = InstructionData.build(records(dir.resolve("x.jsonl"),
                    new InstructionRecord.PromptCompletion(1, 1, "Q: hi\nA:", " yes"),
                    new InstructionRecord.PromptCompletion(2, 2, "Q: a longer one\nA:", " no it is not")),
                    new InstructionTemplate.Raw(), tok, 64, false);
            assertThat(trainedText(tok, d, 0)).isEqualTo(" yes<|endoftext|>");
            assertThat(trainedText(tok, d, 1)).isEqualTo(" no it is not<|endoftext|>");
            Batch b = d.batch(new int[] {0, 1}, eos, 0);
            long[] shortRow = b.tokenLabels()[0];
            int n = d.ids()[0].length;
            assertThat(shortRow[n - 1]).isEqualTo(eos); // the EOS label survives padding with the same id
            assertThat(Arrays.copyOfRange(shortRow, n, shortRow.length)).containsOnly(-100L);
            assertThat(b.inputIds()[0][n]).isEqualTo(eos);
            long afterShift = 0;
            for (long[] row : b.tokenLabels()) {
                afterShift += Arrays.stream(row, 1, row.length).filter(l -> l != -100).count();
            }
            assertThat(b.lossItems()).isEqualTo(afterShift).isEqualTo(d.trainedTokens());
        }
    }

    @Test
    void alpacaPromptWithAndWithoutInput() {
        InstructionTemplate.Rendered with = new InstructionTemplate.Alpaca().render(new InstructionRecord.Alpaca(1, 1, "Add.", "2 and 3", "5"));
        assertThat(with.text()).isEqualTo("Below is an instruction that describes a task, paired with an input that provides further context."
                + " Write a response that appropriately completes the request.\n\n### Instruction:\nAdd.\n\n### Input:\n2 and 3\n\n"
                + "### Response:\n5");
        InstructionTemplate.Rendered without = new InstructionTemplate.Alpaca().render(new InstructionRecord.Alpaca(1, 1, "Say hi.", "", "Hi"));
        assertThat(without.text()).isEqualTo("Below is an instruction that describes a task. Write a response that appropriately completes"
                + " the request.\n\n### Instruction:\nSay hi.\n\n### Response:\nHi");
        assertThat(without.spans().get(0)).containsExactly(without.text().length() - 2, without.text().length());
        assertThat(without.specials()).isTrue();
        assertThatThrownBy(() -> new InstructionTemplate.Alpaca().render(new InstructionRecord.Chat(1, 1,
                List.of(new Message("user", "x"), new Message("assistant", "y"))))).hasMessageContaining("messages");
    }

    @Test
    void chatTemplateTrainsEachAssistantTurnWithItsEndMarker() {
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("gpt2-lm"))) {
            InstructionTemplate chat = new InstructionTemplate.Chat(ChatTemplate.builtIn("chatml", tok));
            InstructionRecord r = new InstructionRecord.Chat(3, 1, List.of(new Message("system", "Be brief."),
                    new Message("user", "Hi"), new Message("assistant", "Hello."), new Message("user", "Bye"),
                    new Message("assistant", "See you.")));
            InstructionTemplate.Rendered text = chat.render(r);
            assertThat(text.text()).isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                    + "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\nSee you.<|im_end|>\n");
            assertThat(text.specials()).isFalse();
            assertThat(text.spans()).hasSize(2);
            InstructionData d = InstructionData.build(records(dir.resolve("c.jsonl"), r), chat, tok, 512, false);
            assertThat(trainedText(tok, d, 0)).isEqualTo("Hello.<|im_end|>See you.<|im_end|><|endoftext|>");
        }
    }

    @Test
    void zephyrEndsTurnsWithEosSoNoSecondEosIsAppended() {
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("gpt2-lm"))) {
            InstructionTemplate chat = new InstructionTemplate.Chat(ChatTemplate.builtIn("zephyr", tok));
            InstructionRecord r = new InstructionRecord.PromptCompletion(1, 1, "Hi", "Hello.");
            InstructionData d = InstructionData.build(records(dir.resolve("c.jsonl"), r), chat, tok, 512, false);
            assertThat(chat.render(r).text()).isEqualTo("<|user|>\nHi<|endoftext|>\n<|assistant|>\nHello.<|endoftext|>\n");
            assertThat(trainedText(tok, d, 0)).isEqualTo("Hello.<|endoftext|>");
            long[] ids = d.ids()[0];
            assertThat(ids[ids.length - 1]).isNotEqualTo(tok.special().eos()); // ends with the template's "\n", untrained
        }
    }

    @Test
    void llama2TemplateRaisesOnRolesThatDoNotAlternate() {
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("gpt2-lm"))) {
            InstructionTemplate chat = new InstructionTemplate.Chat(ChatTemplate.builtIn("llama-2", tok));
            InstructionTemplate.Rendered ok = chat.render(new InstructionRecord.Chat(1, 1, List.of(new Message("system", "S"),
                    new Message("user", " Hi "), new Message("assistant", "Yo"))));
            assertThat(ok.text()).isEqualTo("<|endoftext|>[INST] <<SYS>>\nS\n<</SYS>>\n\nHi [/INST] Yo <|endoftext|>");
            InstructionRecord bad = new InstructionRecord.Chat(4, 2, List.of(new Message("user", "a"), new Message("user", "b"),
                    new Message("assistant", "c")));
            assertThatThrownBy(() -> InstructionData.build(records(dir.resolve("chats.jsonl"), bad), chat, tok, 512, false))
                    .isInstanceOf(Finetune4jException.class)
                    .hasMessageStartingWith(dir.resolve("chats.jsonl") + ":4: record 2: cannot render it with template llama-2")
                    .hasMessageContaining("raise_exception('llama-2: after an optional system message, roles must alternate");
        }
    }
}
