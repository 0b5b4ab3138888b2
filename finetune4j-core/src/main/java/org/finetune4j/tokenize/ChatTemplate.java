package org.finetune4j.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;

/**
 * A Jinja chat template rendering messages as Transformers' {@code apply_chat_template(tokenize=False)}
 * does: the template sees {@code messages} (role, content), {@code add_generation_prompt}, the folder's
 * special tokens by role ({@code bos_token}, {@code eos_token}, ...) and {@code raise_exception(msg)};
 * blocks are trimmed as Transformers sets Jinja up ({@code trim_blocks}, {@code lstrip_blocks}). The
 * engine is Jinjava: Python string methods that Java's String lacks ({@code startswith}, {@code lstrip})
 * fail with a clear error. Built-in templates: {@link #BUILT_IN}.
 */
public final class ChatTemplate {

    /** One message of a conversation. */
    public record Message(String role, String content) {}

    /** A template that could not render a conversation: why, in one line. */
    public static final class RenderException extends RuntimeException {
        RenderException(String message) {
            super(message);
        }
    }

    /** The built-in templates by name (written here, in the style of the models that made them known). */
    public static final Map<String, String> BUILT_IN = builtIn();

    private static Map<String, String> builtIn() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("chatml", "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content']"
                + " + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}");
        m.put("llama-2", "{% if messages[0]['role'] == 'system' %}{% set system = messages[0]['content'] %}"
                + "{% set turns = messages[1:] %}{% else %}{% set system = '' %}{% set turns = messages %}{% endif %}"
                + "{% for message in turns %}"
                + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
                + "{{ raise_exception('llama-2: after an optional system message, roles must alternate user, assistant, user, ...') }}{% endif %}"
                + "{% if message['role'] == 'user' %}{% if loop.first and system %}"
                + "{% set text = '<<SYS>>\\n' + system | trim + '\\n<</SYS>>\\n\\n' + message['content'] | trim %}"
                + "{% else %}{% set text = message['content'] | trim %}{% endif %}"
                + "{{ bos_token + '[INST] ' + text + ' [/INST]' }}"
                + "{% else %}{{ ' ' + message['content'] | trim + ' ' + eos_token }}{% endif %}{% endfor %}");
        m.put("zephyr", "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}"
                + "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}");
        return java.util.Collections.unmodifiableMap(m);
    }

    private static final Jinjava JINJA = newEngine();
    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    private final String name;
    private final String source;
    private final Map<String, Object> specials;

    private ChatTemplate(String name, String source, Tokenizer tok) {
        this.name = name;
        this.source = source;
        this.specials = new HashMap<>();
        for (String role : TokenizerConfig.ROLES) {
            String text = tok.specialText(role);
            specials.put(role, text == null ? "" : text);
        }
    }

    /** A built-in template by name, with {@code tok}'s special tokens. */
    public static ChatTemplate builtIn(String name, Tokenizer tok) {
        String source = BUILT_IN.get(name);
        if (source == null) {
            throw new Finetune4jException("unknown chat template '" + name + "' (built in: " + String.join(", ", BUILT_IN.keySet()) + ")");
        }
        return new ChatTemplate(name, source, tok);
    }

    /** The model's own template, for a recipe: without one, the error says to set data.template. */
    public static ChatTemplate ofModel(Tokenizer tok) {
        return ofModel(tok, "set data.template to one of");
    }

    /**
     * The model's own template: {@code chat_template.jinja}, else {@code chat_template} in tokenizer_config.json;
     * without one, the error says {@code otherwise} and names the built-in templates.
     */
    public static ChatTemplate ofModel(Tokenizer tok, String otherwise) {
        Path dir = tok.dir();
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            return new ChatTemplate(jinja.toString(), JsonFiles.readText(jinja), tok);
        }
        Path cfg = dir.resolve("tokenizer_config.json");
        JsonNode t = Files.isRegularFile(cfg) ? JsonFiles.readObject(cfg, "a JSON object").get("chat_template") : null;
        String where = cfg + " chat_template";
        if (t != null && t.isTextual()) {
            return new ChatTemplate(where, t.textValue(), tok);
        }
        if (t != null && t.isArray()) { // named templates: [{name, template}], Transformers uses "default"
            List<String> names = new ArrayList<>();
            for (JsonNode e : t) {
                names.add(e.path("name").asText());
                if (e.path("name").asText().equals("default") && e.path("template").isTextual()) {
                    return new ChatTemplate(where + " 'default'", e.path("template").textValue(), tok);
                }
            }
            throw new Finetune4jException(where + ": no template named 'default' among " + names);
        }
        if (t != null && !t.isNull()) {
            throw new Finetune4jException(where + ": expected a string or a list of {name, template}");
        }
        throw new Finetune4jException(dir + ": the tokenizer has no chat template (no chat_template.jinja, no chat_template in"
                + " tokenizer_config.json); " + otherwise + " " + String.join(", ", BUILT_IN.keySet()));
    }

    /** Where the template came from: a built-in name or the file. */
    public String name() {
        return name;
    }

    /** The conversation as text; a template error or {@code raise_exception} becomes a {@link RenderException}. */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        Map<String, Object> ctx = new HashMap<>(specials);
        List<Map<String, Object>> list = new ArrayList<>(messages.size());
        for (Message m : messages) {
            list.add(Map.of("role", m.role(), "content", m.content()));
        }
        ctx.put("messages", list);
        ctx.put("add_generation_prompt", addGenerationPrompt);
        RAISED.remove();
        RenderResult r;
        try {
            r = JINJA.renderForResult(source, ctx);
        } catch (RuntimeException e) {
            throw new RenderException(name + ": " + oneLine(e.getMessage()));
        }
        String raised = RAISED.get();
        RAISED.remove();
        if (raised != null) {
            throw new RenderException(name + ": raise_exception('" + oneLine(raised) + "')");
        }
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                String at = e.getLineno() > 0 ? " (template line " + e.getLineno() + ")" : "";
                throw new RenderException(name + ": " + oneLine(e.getMessage()) + at);
            }
        }
        return r.getOutput();
    }

    /** Called by templates as {@code raise_exception(message)}. */
    public static String raise(String message) {
        RAISED.set(message == null ? "" : message);
        throw new IllegalStateException(message);
    }

    private static Jinjava newEngine() {
        Jinjava j = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raise", String.class));
        return j;
    }

    private static String oneLine(String s) {
        return org.finetune4j.io.Text.printable(s == null ? "" : s.replace('\n', ' '));
    }
}
