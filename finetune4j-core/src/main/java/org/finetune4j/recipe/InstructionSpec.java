package org.finetune4j.recipe;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.data.InstructionRecords;
import org.finetune4j.data.InstructionTemplate;
import org.finetune4j.tokenize.ChatTemplate;

/**
 * The {@code data} block of {@code task: instruction}: the files, their form ({@code format}), how a
 * record becomes text ({@code template}: alpaca, raw, model = the tokenizer's chat_template, or a built-in
 * chat template), the length cap and whether the prompt is trained too ({@code train_on_inputs}).
 */
public record InstructionSpec(Path train, Path validation, double validationSplit, String format, String template,
        Integer maxLength, boolean trainOnInputs, boolean skipBadRows) implements Recipe.TaskSpec {

    static final int DEFAULT_MAX_LENGTH = 512;

    /** Every template name a recipe may give. */
    static List<String> templates() {
        List<String> t = new ArrayList<>(InstructionTemplate.NAMES);
        t.addAll(ChatTemplate.BUILT_IN.keySet());
        return t;
    }

    /** max_length as given, else 512 capped at the model's positions. */
    public int maxLength(int modelPositions) {
        return maxLength != null ? maxLength : Math.min(DEFAULT_MAX_LENGTH, modelPositions);
    }

    /** The template as given, else the form's own: alpaca for alpaca records, raw for prompt/completion, the model's for messages. */
    public String template(String recognisedFormat) {
        if (template != null) {
            return template;
        }
        return switch (recognisedFormat) {
            case "alpaca" -> "alpaca";
            case "prompt-completion" -> "raw";
            default -> "model";
        };
    }

    static InstructionSpec read(Node d) {
        InstructionSpec data = new InstructionSpec(d.requiredInput("train"), d.input("validation"),
                d.number("validation_split", 0.05), d.choice("format", "auto", InstructionRecords.FORMATS),
                d.choice("template", null, templates()), d.optionalInt("max_length"),
                d.bool("train_on_inputs", false), d.bool("skip_bad_rows", false));
        if (data.maxLength() != null && data.maxLength() < 2) {
            throw d.error("max_length", "must be at least 2, got " + data.maxLength());
        }
        if (data.validationSplit() < 0 || data.validationSplit() >= 1) {
            throw d.error("validation_split", "must be in [0, 1), got " + data.validationSplit());
        }
        return data;
    }
}
