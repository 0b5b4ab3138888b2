package org.finetune4j.data;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.tokenize.ChatTemplate;
import org.finetune4j.tokenize.ChatTemplate.Message;

/**
 * How a record becomes text, with the character spans of its responses marked before tokenization:
 * the Alpaca prompt (with-input and no-input variants), the raw prompt followed by the completion,
 * or a chat template. Texts of the first two get the tokenizer's special tokens (BOS for Llama);
 * chat-template texts carry their own, as with Transformers' {@code apply_chat_template}.
 */
public sealed interface InstructionTemplate {

    /** The names a recipe uses besides the built-in chat templates: alpaca, raw, model (the model's chat_template). */
    List<String> NAMES = List.of("alpaca", "raw", "model");

    /**
     * A rendered record: {@code text}; {@code spans} the [start, end) character ranges of the responses,
     * in order; {@code specials}: whether tokenizing adds the tokenizer's special tokens.
     */
    record Rendered(String text, List<int[]> spans, boolean specials) {}

    /** The record as text with its response spans; a record this template cannot render is a {@link IllegalArgumentException}. */
    Rendered render(InstructionRecord r);

    /** A short name for messages. */
    String name();

    /** What a model trained with this template is given before its response to {@code prompt}, as one user turn. */
    String prompt(String prompt);

    /** Whether tokenizing a rendered text adds the tokenizer's special tokens (chat templates write their own). */
    default boolean specials() {
        return !(this instanceof Chat);
    }

    /**
     * The template a recipe's {@code data.template} names: alpaca, raw, model (the tokenizer's chat_template)
     * or a built-in chat template ({@link ChatTemplate#BUILT_IN}).
     */
    static InstructionTemplate named(String name, org.finetune4j.tokenize.Tokenizer tok, String otherwise) {
        return switch (name) {
            case "alpaca" -> new Alpaca();
            case "raw" -> new Raw();
            case "model" -> new Chat(ChatTemplate.ofModel(tok, otherwise));
            default -> new Chat(ChatTemplate.builtIn(name, tok));
        };
    }

    /** Stanford Alpaca's prompt; prompt/completion records use the no-input variant with the prompt as the instruction. */
    record Alpaca() implements InstructionTemplate {
        static final String WITH_INPUT = "Below is an instruction that describes a task, paired with an input that provides further"
                + " context. Write a response that appropriately completes the request.\n\n### Instruction:\n%s\n\n### Input:\n%s\n\n### Response:\n";
        static final String NO_INPUT = "Below is an instruction that describes a task. Write a response that appropriately completes"
                + " the request.\n\n### Instruction:\n%s\n\n### Response:\n";

        @Override
        public Rendered render(InstructionRecord r) {
            if (r instanceof InstructionRecord.Alpaca a) {
                return respond(a.input().isEmpty() ? NO_INPUT.formatted(a.instruction())
                        : WITH_INPUT.formatted(a.instruction(), a.input()), a.output());
            }
            if (r instanceof InstructionRecord.PromptCompletion p) {
                return respond(NO_INPUT.formatted(p.prompt()), p.completion());
            }
            throw new IllegalArgumentException(
                    "template alpaca takes alpaca or prompt/completion records, not messages (use a chat template)");
        }

        @Override
        public String name() {
            return "alpaca";
        }

        @Override
        public String prompt(String prompt) {
            return NO_INPUT.formatted(prompt);
        }
    }

    /** The prompt, then the completion, nothing between. */
    record Raw() implements InstructionTemplate {
        @Override
        public Rendered render(InstructionRecord r) {
            if (r instanceof InstructionRecord.PromptCompletion p) {
                return respond(p.prompt(), p.completion());
            }
            throw new IllegalArgumentException("template raw takes prompt/completion records");
        }

        @Override
        public String name() {
            return "raw";
        }

        @Override
        public String prompt(String prompt) {
            return prompt;
        }
    }

    /**
     * A chat template (alpaca and prompt/completion records become a user and an assistant turn). Each
     * assistant turn's span is found by rendering the conversation up to it with the generation prompt and
     * up to and including it: the span runs from the turn's content (or the turn's start when the template
     * changed the content) to the end of the turn, trailing whitespace excluded, so end-of-turn markers the
     * template writes (eos, {@code <|im_end|>}) are trained. The template must render each prefix of the
     * conversation as a prefix of the whole.
     */
    record Chat(ChatTemplate template) implements InstructionTemplate {
        @Override
        public Rendered render(InstructionRecord r) {
            List<Message> messages = r.messages();
            String full = template.render(messages, false);
            List<int[]> spans = new ArrayList<>();
            for (int i = 0; i < messages.size(); i++) {
                if (!messages.get(i).role().equals("assistant")) {
                    continue;
                }
                String before = template.render(messages.subList(0, i), true);
                String upto = template.render(messages.subList(0, i + 1), false);
                if (!upto.startsWith(before) || !full.startsWith(upto)) {
                    throw new IllegalArgumentException("chat template " + template.name() + " does not render messages[0.." + i
                            + "] as a prefix of the whole conversation, so the response of messages[" + i + "] cannot be located");
                }
                String content = messages.get(i).content().strip();
                int at = content.isEmpty() ? -1 : upto.indexOf(content, before.length());
                int start = at >= 0 ? at : before.length();
                int end = upto.length();
                while (end > start && Character.isWhitespace(upto.charAt(end - 1))) {
                    end--;
                }
                if (end > start) {
                    spans.add(new int[] {start, end});
                }
            }
            return new Rendered(full, spans, false);
        }

        @Override
        public String name() {
            return template.name();
        }

        @Override
        public String prompt(String prompt) {
            return template.render(List.of(new Message("user", prompt)), true);
        }
    }

    private static Rendered respond(String prompt, String response) {
        return new Rendered(prompt + response, List.of(new int[] {prompt.length(), prompt.length() + response.length()}), true);
    }
}
