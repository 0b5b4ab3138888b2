package org.finetune4j.recipe;

import java.nio.file.Path;
import org.finetune4j.data.QaExamples;
import org.finetune4j.data.QaFeatures;
import org.finetune4j.eval.QaEvaluator;
import org.finetune4j.model.Head;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tokenize.Tokenizer;
import org.finetune4j.train.Evaluation;
import org.finetune4j.train.Trainer;

/**
 * {@code task: question-answering} (extractive). Its {@code data} block: SQuAD JSON or JSONL files, the window
 * (max_length 384, doc_stride 128), post-processing (n_best_size 20, max_answer_length 30), and
 * validation_split when there is no validation file (questions split, by paragraph order kept). The job: questions
 * in windows of their contexts, EM and F1 after post-processing.
 */
public record QuestionAnswering(Path train, Path validation, int maxLength, int docStride, int nBestSize,
        int maxAnswerLength, double validationSplit, boolean skipBadExamples) implements Task {

    static final Kind KIND = new Kind("question-answering", QuestionAnswering::read);

    @Override
    public String name() {
        return KIND.name();
    }

    @Override
    public boolean packs() {
        return true;
    }

    static QuestionAnswering read(Node d) {
        QuestionAnswering s = new QuestionAnswering(d.requiredInput("train"), d.input("validation"),
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

    @Override
    public Trainer.Job job(JobContext c) {
        c.refuseLabelSmoothing("for " + name(), " (Transformers' label smoother reads the logits of one label set)");
        long seed = c.training().seed();
        QaExamples trainRows = QaExamples.read(c.dataFile(train));
        QaExamples eval = null;
        if (validation != null) {
            eval = QaExamples.read(c.dataFile(validation));
        } else if (validationSplit > 0) {
            QaExamples.Split split = trainRows.split(validationSplit, seed);
            trainRows = split.train();
            eval = split.validation();
            c.console().printf("validation: %d questions (%s of the contexts) split from %s (seed %d)%n", eval.size(),
                    validationSplit, train, seed);
        }
        Tokenizer tok = c.tokenizer();
        c.checkLength("data.max_length", maxLength);
        TransformerModel model = c.model(c.configWith(null, null), Head.QUESTION_ANSWERING);
        QaFeatures trainFeatures = QaFeatures.build(trainRows, tok, maxLength, docStride, true, skipBadExamples);
        long inside = java.util.stream.IntStream.range(0, trainFeatures.size())
                .filter(f -> trainFeatures.startPositions()[f] != 0 || trainFeatures.endPositions()[f] != 0).count();
        c.console().printf("train: %d questions of %s -> %d windows (%d hold the answer, the others point at CLS)%n",
                trainRows.size(), train, trainFeatures.size(), inside);
        if (trainFeatures.skipped() > 0) {
            c.console().printf("skipped %d questions whose answer is not at its answer_start (first: %s)%n",
                    trainFeatures.skipped(), trainFeatures.firstSkipped());
        }
        Evaluation evaluation = null;
        if (eval != null) {
            QaFeatures evalFeatures = QaFeatures.build(eval, tok, maxLength, docStride, false, false);
            int batch = c.evalBatch();
            long pad = c.padId();
            boolean pack = c.recipe().packing();
            evaluation = (m, world) -> QaEvaluator.evaluate(m, evalFeatures, nBestSize, maxAnswerLength, batch, pad, world, pack);
        }
        return c.job(model, trainFeatures, evaluation);
    }
}
