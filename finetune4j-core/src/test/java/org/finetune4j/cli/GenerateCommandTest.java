package org.finetune4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.finetune4j.Fixtures;
import org.junit.jupiter.api.Test;

/** generate's options through the CLI: sampling by seed, cache on and off, batches, streaming, refusals. */
class GenerateCommandTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Path GPT2 = Fixtures.dir("gpt2-lm");

    private static JsonNode json(Object... args) throws IOException {
        CliRun r = CliRun.of(args);
        assertThat(r.code()).as(r.err()).isZero();
        return MAPPER.readTree(r.out());
    }

    @Test
    void samplingRepeatsForASeedWithAndWithoutTheCache() throws IOException {
        Object[] base = {"generate", "--model", GPT2, "--prompt", "hello world", "--max-new-tokens", "12",
            "--temperature", "1.3", "--top-k", "40", "--top-p", "0.9", "--json"};
        JsonNode a = json(concat(base, "--seed", "5"));
        JsonNode b = json(concat(base, "--seed", "5", "--no-cache"));
        JsonNode c = json(concat(base, "--seed", "6"));
        assertThat(b.get("generated_ids")).isEqualTo(a.get("generated_ids"));
        assertThat(c.get("generated_ids")).isNotEqualTo(a.get("generated_ids"));
    }

    @Test
    void temperatureZeroIsGreedyAndStreamingPrintsTheSameText() throws IOException {
        JsonNode greedy = json("generate", "--model", GPT2, "--prompt", "hello world", "--max-new-tokens", "6", "--json");
        JsonNode zero = json("generate", "--model", GPT2, "--prompt", "hello world", "--max-new-tokens", "6", "--json",
                "--temperature", "0");
        assertThat(zero.get("generated_ids")).isEqualTo(greedy.get("generated_ids"));
        CliRun streamed = CliRun.of("generate", "--model", GPT2, "--prompt", "hello world", "--max-new-tokens", "6");
        assertThat(streamed.out()).isEqualTo(greedy.get("text").asText() + System.lineSeparator());
    }

    @Test
    void aChatTemplateRendersThePromptAsAUserTurnWithTheGenerationPrompt() throws IOException {
        JsonNode chat = json("generate", "--model", GPT2, "--prompt", "hello world", "--max-new-tokens", "3", "--json",
                "--chat-template", "chatml");
        try (org.finetune4j.tokenize.Tokenizer tok = org.finetune4j.tokenize.Tokenizer.load(GPT2)) {
            long[] expected = tok.encodeWithSpans("<|im_start|>user\nhello world<|im_end|>\n<|im_start|>assistant\n", false).ids();
            assertThat(new ObjectMapper().convertValue(chat.get("prompt_ids"), long[].class)).containsExactly(expected);
        }
        assertThat(chat.get("generated_ids")).hasSize(3);
    }

    @Test
    void aRecipeTemplateFormatsThePromptAsInstructionTuningDid() throws IOException {
        JsonNode chat = json("generate", "--model", GPT2, "--prompt", "hello world", "--max-new-tokens", "3", "--json",
                "--template", "chatml");
        JsonNode same = json("generate", "--model", GPT2, "--prompt", "hello world", "--max-new-tokens", "3", "--json",
                "--chat-template", "chatml");
        assertThat(chat.get("prompt_ids")).isEqualTo(same.get("prompt_ids"));
        try (org.finetune4j.tokenize.Tokenizer tok = org.finetune4j.tokenize.Tokenizer.load(GPT2)) {
            int alpaca = tok.encode(new org.finetune4j.data.InstructionTemplate.Alpaca().prompt("hi"), null, 0, false).length();
            CliRun r = CliRun.of("generate", "--model", GPT2, "--prompt", "hi", "--template", "alpaca"); // longer than the fixture's 64 positions
            assertThat(r.err()).contains(alpaca + " prompt tokens + 50 new ones exceed the model's 64 positions");
        }
        assertThat(CliRun.of("generate", "--model", GPT2, "--prompt", "hi", "--template", "vicuna").code()).isEqualTo(2);
    }

    @Test
    void severalPromptsDecodeAsOneBatch() throws IOException {
        JsonNode both = json("generate", "--model", GPT2, "--prompt", "hello world", "--prompt", "hi", "--max-new-tokens", "5", "--json");
        JsonNode alone = json("generate", "--model", GPT2, "--prompt", "hi", "--max-new-tokens", "5", "--json");
        assertThat(both.isArray()).isTrue();
        assertThat(both).hasSize(2);
        assertThat(both.get(1).get("generated_ids")).isEqualTo(alone.get("generated_ids"));
    }

    @Test
    void refusals() {
        CliRun chat = CliRun.of("generate", "--model", GPT2, "--prompt", "hi", "--chat");
        assertThat(chat.code()).isEqualTo(1);
        assertThat(chat.err()).contains("has no chat template");
        CliRun unknown = CliRun.of("generate", "--model", GPT2, "--prompt", "hi", "--chat-template", "nope");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown template 'nope' (one of alpaca, raw, model, chatml");
        CliRun topP = CliRun.of("generate", "--model", GPT2, "--prompt", "hi", "--top-p", "1.5");
        assertThat(topP.code()).isEqualTo(2);
        assertThat(topP.err()).contains("top-p");
        CliRun temp = CliRun.of("generate", "--model", GPT2, "--prompt", "hi", "--temperature", "-1");
        assertThat(temp.code()).isEqualTo(2);
        CliRun adapter = CliRun.of("generate", "--model", GPT2, "--adapter", GPT2);
        assertThat(adapter.code()).isEqualTo(1);
        assertThat(adapter.err()).contains("adapter_config.json");
        CliRun tooLong = CliRun.of("generate", "--model", GPT2, "--prompt", "hi", "--max-new-tokens", "100000");
        assertThat(tooLong.err()).contains("positions");
    }

    private static Object[] concat(Object[] a, Object... b) {
        Object[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
