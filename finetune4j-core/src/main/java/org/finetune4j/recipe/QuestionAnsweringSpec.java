package org.finetune4j.recipe;

import java.nio.file.Path;

/**
 * The {@code data} block of {@code task: question-answering}: SQuAD JSON or JSONL files, the window
 * (max_length 384, doc_stride 128), post-processing (n_best_size 20, max_answer_length 30), and
 * validation_split when there is no validation file (questions split, by paragraph order kept).
 */
public record QuestionAnsweringSpec(Path train, Path validation, int maxLength, int docStride, int nBestSize,
        int maxAnswerLength, double validationSplit, boolean skipBadExamples) implements Recipe.TaskSpec {

    static QuestionAnsweringSpec read(Node d) {
        QuestionAnsweringSpec s = new QuestionAnsweringSpec(d.requiredInput("train"), d.input("validation"),
                d.integer("max_length", 384), d.integer("doc_stride", 128), d.integer("n_best_size", 20),
                d.integer("max_answer_length", 30), d.number("validation_split", 0.0), d.bool("skip_bad_examples", false));
        if (s.maxLength() < 8) {
            throw d.error("max_length", "must be at least 8, got " + s.maxLength());
        }
        if (s.docStride() < 0 || s.docStride() >= s.maxLength()) {
            throw d.error("doc_stride", "must be in [0, max_length), got " + s.docStride());
        }
        if (s.nBestSize() < 1 || s.maxAnswerLength() < 1) {
            throw d.error(s.nBestSize() < 1 ? "n_best_size" : "max_answer_length", "must be at least 1");
        }
        if (s.validationSplit() < 0 || s.validationSplit() >= 1) {
            throw d.error("validation_split", "must be in [0, 1), got " + s.validationSplit());
        }
        return s;
    }
}
