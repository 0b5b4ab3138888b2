package org.finetune4j.data;

import java.util.List;
import org.finetune4j.tokenize.ChatTemplate.Message;

/** One instruction-tuning record, from {@code line} of its file, in one of the three forms. */
public sealed interface InstructionRecord {

    /** 1-based line of the record in its file. */
    int line();

    /** 1-based position of the record in its file (a JSON array may hold them all on one line). */
    int record();

    /** Stanford Alpaca's form: an instruction, an optional input (empty when none) and the output. */
    record Alpaca(int line, int record, String instruction, String input, String output) implements InstructionRecord {}

    /** A prompt and the completion that follows it. */
    record PromptCompletion(int line, int record, String prompt, String completion) implements InstructionRecord {}

    /** A conversation; the assistant messages are the responses. */
    record Chat(int line, int record, List<Message> messages) implements InstructionRecord {}

    /** The record as a conversation: a user turn (instruction, then the input after a blank line) and an assistant turn. */
    default List<Message> messages() {
        if (this instanceof Alpaca a) {
            String user = a.input().isEmpty() ? a.instruction() : a.instruction() + "\n\n" + a.input();
            return List.of(new Message("user", user), new Message("assistant", a.output()));
        }
        if (this instanceof PromptCompletion p) {
            return List.of(new Message("user", p.prompt()), new Message("assistant", p.completion()));
        }
        return ((Chat) this).messages();
    }

    /** The form's name as a recipe's {@code data.format} spells it. */
    default String form() {
        return this instanceof Alpaca ? "alpaca" : this instanceof PromptCompletion ? "prompt-completion" : "messages";
    }
}
