package org.finetune4j.recipe;

import java.nio.file.Path;
import java.util.List;
import org.finetune4j.data.TextTemplate;

/**
 * The {@code data} block of {@code task: sequence-classification}: the files, columns and lengths, an
 * optional {@code template} that puts an instruction around each text ({@code "Classify the sentiment: {text}"}),
 * and optional {@code label_names} for labels 0..K-1 (class k is named {@code label_names[k]} in the saved config).
 */
public record SequenceClassificationSpec(Path train, Path validation, String textColumn, String textPairColumn,
        String labelColumn, Integer maxLength, double validationSplit, boolean skipBadRows, TextTemplate template,
        List<String> labelNames) implements Recipe.TaskSpec {

    static final int DEFAULT_MAX_LENGTH = 128;

    /** max_length as given, else 128 (run_glue's default) capped at the model's positions. */
    public int maxLength(int modelPositions) {
        return maxLength != null ? maxLength : Math.min(DEFAULT_MAX_LENGTH, modelPositions);
    }

    private static TextTemplate template(Node d) {
        String t = d.string("template", null);
        try {
            return t == null ? null : new TextTemplate(t);
        } catch (IllegalArgumentException e) {
            throw d.error("template", e.getMessage());
        }
    }

    static SequenceClassificationSpec read(Node d) {
        SequenceClassificationSpec data = new SequenceClassificationSpec(d.requiredInput("train"),
                d.input("validation"), d.string("text_column", "text"), d.string("text_pair_column", null),
                d.string("label_column", "label"), d.optionalInt("max_length"), d.number("validation_split", 0.1),
                d.bool("skip_bad_rows", false), template(d), d.has("label_names") ? d.strings("label_names") : null);
        if (data.labelNames() != null && (data.labelNames().size() < 2
                || new java.util.HashSet<>(data.labelNames()).size() != data.labelNames().size())) {
            throw d.error("label_names", "must name each class once, at least two, got " + data.labelNames());
        }
        if (data.maxLength() != null && data.maxLength() < 2) {
            throw d.error("max_length", "must be at least 2, got " + data.maxLength());
        }
        if (data.validationSplit() < 0 || data.validationSplit() >= 1) {
            throw d.error("validation_split", "must be in [0, 1), got " + data.validationSplit());
        }
        return data;
    }
}
