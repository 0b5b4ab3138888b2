package org.finetune4j.recipe;

import java.nio.file.Path;
import java.util.List;
import org.finetune4j.data.LmData;

/**
 * The {@code data} block of {@code task: mlm}, {@code pretraining} and {@code clm}: where the text
 * is, how it becomes rows ({@code line_by_line} with {@code max_length}, else blocks of
 * {@code block_size}), and the masking settings of the masked objectives.
 */
public record LanguageModelingSpec(LmData.Objective objective, Path train, Path validation, double validationSplit,
        String textColumn, boolean lineByLine, Integer maxLength, Integer blockSize, double mlmProbability,
        boolean wholeWordMask, double nspProbability, long evalSeed) implements Recipe.TaskSpec {

    /** run_mlm / run_clm cap the default length at 1024. */
    static final int DEFAULT_CAP = 1024;

    /** The row length: max_length (line by line) or block_size, else the model's positions capped at 1024. */
    public int length(int modelPositions) {
        Integer given = lineByLine || objective == LmData.Objective.PRETRAINING ? maxLength : blockSize;
        return given != null ? given : Math.min(DEFAULT_CAP, modelPositions);
    }

    /** The key that sets the row length, for messages. */
    public String lengthKey() {
        return lineByLine || objective == LmData.Objective.PRETRAINING ? "data.max_length" : "data.block_size";
    }

    static Recipe.TaskSpec reader(LmData.Objective objective, Node d) {
        return read(objective, d);
    }

    static LanguageModelingSpec read(LmData.Objective objective, Node d) {
        boolean masked = objective.masked();
        boolean pairs = objective == LmData.Objective.PRETRAINING;
        boolean lineByLine = !pairs && d.bool("line_by_line", false);
        Integer maxLength = lineByLine || pairs ? d.optionalInt("max_length") : null;
        Integer blockSize = lineByLine || pairs ? null : d.optionalInt("block_size");
        LanguageModelingSpec s = new LanguageModelingSpec(objective, d.requiredInput("train"),
                d.input("validation"), d.number("validation_split", 0.05), d.string("text_column", "text"),
                lineByLine, maxLength, blockSize, masked ? d.number("mlm_probability", 0.15) : 0,
                masked && d.bool("whole_word_mask", false), pairs ? d.number("nsp_probability", 0.5) : 0,
                d.integer("eval_seed", 42));
        if (s.maxLength() != null && s.maxLength() < (pairs ? 5 : 2)) {
            throw d.error("max_length", "must be at least " + (pairs ? 5 : 2) + ", got " + s.maxLength());
        }
        if (s.blockSize() != null && s.blockSize() < 2) {
            throw d.error("block_size", "must be at least 2, got " + s.blockSize());
        }
        if (masked && !(s.mlmProbability() > 0 && s.mlmProbability() < 1)) {
            throw d.error("mlm_probability", "must be in (0, 1), got " + s.mlmProbability());
        }
        if (pairs && !(s.nspProbability() >= 0 && s.nspProbability() <= 1)) {
            throw d.error("nsp_probability", "must be in [0, 1], got " + s.nspProbability());
        }
        if (s.validationSplit() < 0 || s.validationSplit() >= 1) {
            throw d.error("validation_split", "must be in [0, 1), got " + s.validationSplit());
        }
        if (!lineByLine && !pairs && d.has("max_length")) {
            throw d.error("max_length", "applies with line_by_line: true; blocks are cut at block_size");
        }
        if ((lineByLine || pairs) && d.has("block_size")) {
            throw d.error("block_size", "applies when texts are concatenated and chunked (line_by_line: false); "
                    + "rows are truncated at max_length");
        }
        return s;
    }

    /** The task names and their objectives. */
    static final List<String> NAMES = List.of("mlm", "pretraining", "clm");
}
