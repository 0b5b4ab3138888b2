package org.finetune4j.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.Fixtures;
import org.finetune4j.tokenize.ChatTemplate.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model's chat_template rendered with Jinja as Transformers renders it, and the errors it can give. */
class ChatTemplateTest {

    @TempDir
    Path dir;

    private static final List<Message> CHAT = List.of(new Message("system", "Be kind."), new Message("user", "Hi"),
            new Message("assistant", "Hello"));

    /** The gpt2-lm fixture's tokenizer with {@code chatTemplate} in its tokenizer_config.json. */
    private Path model(String chatTemplate) throws IOException {
        Path src = Fixtures.dir("gpt2-lm");
        for (String f : List.of("vocab.json", "merges.txt", "special_tokens_map.json")) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(src.resolve("tokenizer_config.json").toFile());
        if (chatTemplate != null) {
            cfg.put("chat_template", chatTemplate);
        }
        Files.writeString(dir.resolve("tokenizer_config.json"), json.writeValueAsString(cfg));
        return dir;
    }

    @Test
    void theModelsTemplateSeesSpecialTokensAndTheGenerationFlag() throws IOException {
        String t = "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}[{{ m.content | trim }}]"
                + "{% else %}{{ m['role'] | upper }}: {{ m['content'] }}\n{% endif %}{% endfor %}"
                + "{% if add_generation_prompt %}ASSISTANT:{% endif %}";
        try (Tokenizer tok = Tokenizer.load(model(t))) {
            ChatTemplate c = ChatTemplate.ofModel(tok);
            assertThat(c.render(CHAT, false)).isEqualTo("<|endoftext|>[Be kind.]USER: Hi\nASSISTANT: Hello\n");
            assertThat(c.render(CHAT.subList(0, 2), true)).isEqualTo("<|endoftext|>[Be kind.]USER: Hi\nASSISTANT:");
        }
    }

    @Test
    void aTemplateFileWinsOverTheConfig() throws IOException {
        model("config");
        Files.writeString(dir.resolve("chat_template.jinja"), "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}");
        try (Tokenizer tok = Tokenizer.load(dir)) {
            assertThat(ChatTemplate.ofModel(tok).render(CHAT, false)).isEqualTo("<system>Be kind.<user>Hi<assistant>Hello");
        }
    }

    @Test
    void templatesThatFailSayWhy() throws IOException {
        try (Tokenizer tok = Tokenizer.load(model("{% for m in messages %}{% if m.role == 'system' %}"
                + "{{ raise_exception('System role not supported') }}{% endif %}{{ m.content }}{% endfor %}"))) {
            assertThatThrownBy(() -> ChatTemplate.ofModel(tok).render(CHAT, false)).isInstanceOf(ChatTemplate.RenderException.class)
                    .hasMessageEndingWith("chat_template: raise_exception('System role not supported')");
            assertThat(ChatTemplate.ofModel(tok).render(CHAT.subList(1, 3), false)).isEqualTo("HiHello");
        }
    }

    @Test
    void syntaxErrorsAndMissingTemplatesAreOneLineErrors() throws IOException {
        try (Tokenizer tok = Tokenizer.load(model("{% for m in messages %}{{ m.content ( }}{% endfor %}"))) {
            assertThatThrownBy(() -> ChatTemplate.ofModel(tok).render(CHAT, false)).isInstanceOf(ChatTemplate.RenderException.class)
                    .hasMessageContaining("tokenizer_config.json chat_template: ").hasMessageNotContaining("\n");
        }
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("gpt2-lm"))) {
            assertThatThrownBy(() -> ChatTemplate.ofModel(tok)).isInstanceOf(Finetune4jException.class)
                    .hasMessageContaining("has no chat template").hasMessageContaining("chatml, llama-2, zephyr");
            assertThatThrownBy(() -> ChatTemplate.builtIn("vicuna", tok)).hasMessageContaining("unknown chat template 'vicuna'");
        }
    }

    @Test
    void offsetsAreJavaStringIndicesAlsoPastAstralCharacters() {
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("gpt2-lm"))) {
            String text = "a \uD83D\uDE00 b";
            TokenSpans s = tok.encodeWithSpans(text, true);
            assertThat(s.ends()[s.length() - 1]).isEqualTo(text.length());
            assertThat(text.substring(s.starts()[s.length() - 1], s.ends()[s.length() - 1])).isEqualTo(" b");
        }
    }
}
