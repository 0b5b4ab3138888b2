package org.finetune4j.recipe;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.LabelMap;
import org.finetune4j.data.QaExamples;
import org.finetune4j.data.QaFeatures;
import org.finetune4j.data.TaggedSentences;
import org.finetune4j.data.TokenClassificationData;
import org.finetune4j.eval.QaEvaluator;
import org.finetune4j.eval.TokenEvaluator;
import org.finetune4j.hub.HubSettings;
import org.finetune4j.model.Head;
import org.finetune4j.model.ModelConfig;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tokenize.Tokenizer;
import org.finetune4j.train.Evaluation;
import org.finetune4j.train.Trainer;

/** The Trainer jobs of token classification (NER) and extractive question answering. */
final class TaskJobs {

    private TaskJobs() {}

    /** NER: tagged sentences, a label map from the training tags (or label_list), seqeval metrics. */
    static Trainer.Job tokenClassification(Recipe r, PrintStream console, HubSettings hub) {
        Path dir = Jobs.modelDir(r, hub, console);
        TokenClassificationSpec d = r.data(TokenClassificationSpec.class);
        refuseLabelSmoothing(r);
        TaggedSentences train = TaggedSentences.read(Jobs.dataFile(d.train(), hub, console), d.layout());
        TaggedSentences eval = d.validation() == null ? null : TaggedSentences.read(Jobs.dataFile(d.validation(), hub, console), d.layout());
        LabelMap labels = TokenClassificationData.labelMap(train, d.layout().labelList());
        try (Tokenizer tok = Tokenizer.load(dir)) {
            ModelConfig base = ModelConfig.read(dir);
            tok.checkIdsBelow(base.vocabSize());
            int maxLength = d.maxLength(base.maxPositions());
            checkLength(r, dir, maxLength, base);
            Jobs.checkHeadLabels(r, dir, base, Head.TOKEN_CLASSIFICATION, labels, train.file());
            long pad = Jobs.padId(tok, base, console);
            ModelConfig config = withTags(base, labels, pad, dir);
            TransformerModel model = Jobs.model(r, dir, config, Head.TOKEN_CLASSIFICATION, console);
            TokenClassificationData trainData = TokenClassificationData.tokenize(train, labels, tok, maxLength, d.labelAllTokens());
            console.printf("train: %d sentences of %s, %d tags %s%n", train.size(), d.train(), labels.size(), labels.names());
            lost(trainData, d.train(), console);
            Evaluation evaluation = null;
            if (eval != null) {
                TokenClassificationData evalData = TokenClassificationData.tokenize(eval, labels, tok, maxLength, d.labelAllTokens());
                lost(evalData, d.validation(), console);
                int batch = r.training().perDeviceEvalBatchSize();
                List<String> names = labels.names();
                evaluation = (m, world) -> TokenEvaluator.evaluate(m, evalData, names, d.strict(), d.layout().scheme(), batch, pad,
                        world, r.packing());
            }
            return new Trainer.Job(model, dir, trainData, evaluation, pad, r.training());
        }
    }

    /** Extractive QA: SQuAD questions in windows of their contexts, EM and F1 after post-processing. */
    static Trainer.Job questionAnswering(Recipe r, PrintStream console, HubSettings hub) {
        Path dir = Jobs.modelDir(r, hub, console);
        QuestionAnsweringSpec d = r.data(QuestionAnsweringSpec.class);
        refuseLabelSmoothing(r);
        QaExamples train = QaExamples.read(Jobs.dataFile(d.train(), hub, console));
        QaExamples eval = null;
        if (d.validation() != null) {
            eval = QaExamples.read(Jobs.dataFile(d.validation(), hub, console));
        } else if (d.validationSplit() > 0) {
            QaExamples.Split split = train.split(d.validationSplit(), r.training().seed());
            train = split.train();
            eval = split.validation();
            console.printf("validation: %d questions (%s of the contexts) split from %s (seed %d)%n", eval.size(),
                    d.validationSplit(), d.train(), r.training().seed());
        }
        try (Tokenizer tok = Tokenizer.load(dir)) {
            ModelConfig base = ModelConfig.read(dir);
            tok.checkIdsBelow(base.vocabSize());
            checkLength(r, dir, d.maxLength(), base);
            long pad = Jobs.padId(tok, base, console);
            ObjectNode raw = base.common().raw().deepCopy();
            raw.put("pad_token_id", pad);
            ModelConfig config = ModelConfig.parse(raw, dir.resolve("config.json").toString());
            TransformerModel model = Jobs.model(r, dir, config, Head.QUESTION_ANSWERING, console);
            QaFeatures trainFeatures = QaFeatures.build(train, tok, d.maxLength(), d.docStride(), true, d.skipBadExamples());
            long inside = java.util.stream.IntStream.range(0, trainFeatures.size())
                    .filter(f -> trainFeatures.startPositions()[f] != 0 || trainFeatures.endPositions()[f] != 0).count();
            console.printf("train: %d questions of %s -> %d windows (%d hold the answer, the others point at CLS)%n",
                    train.size(), d.train(), trainFeatures.size(), inside);
            if (trainFeatures.skipped() > 0) {
                console.printf("skipped %d questions whose answer is not at its answer_start (first: %s)%n",
                        trainFeatures.skipped(), trainFeatures.firstSkipped());
            }
            Evaluation evaluation = null;
            if (eval != null) {
                QaFeatures evalFeatures = QaFeatures.build(eval, tok, d.maxLength(), d.docStride(), false, false);
                int batch = r.training().perDeviceEvalBatchSize();
                evaluation = (m, world) -> QaEvaluator.evaluate(m, evalFeatures, d.nBestSize(), d.maxAnswerLength(), batch, pad, world);
            }
            return new Trainer.Job(model, dir, trainFeatures, evaluation, pad, r.training());
        }
    }

    /** The config with the tag names (id2label, label2id) and the pad id, as run_ner saves it. */
    static ModelConfig withTags(ModelConfig c, LabelMap labels, long pad, Path dir) {
        ObjectNode raw = c.common().raw().deepCopy();
        ObjectNode id2label = raw.putObject("id2label");
        ObjectNode label2id = raw.putObject("label2id");
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(Integer.toString(i), labels.name(i));
            label2id.put(labels.name(i), i);
        }
        raw.remove("num_labels");
        raw.put("pad_token_id", pad);
        return ModelConfig.parse(raw, dir.resolve("config.json").toString());
    }

    private static void checkLength(Recipe r, Path dir, int maxLength, ModelConfig base) {
        if (maxLength > base.maxPositions()) {
            throw new Finetune4jException(r.file() + ": data.max_length " + maxLength + " exceeds the "
                    + base.maxPositions() + " positions of " + dir);
        }
    }

    private static void refuseLabelSmoothing(Recipe r) {
        if (r.training().labelSmoothingFactor() > 0 && r.task().equals("question-answering")) {
            throw new Finetune4jException(r.file() + ": training.label_smoothing_factor is not supported for "
                    + r.task() + " (Transformers' label smoother reads the logits of one label set)");
        }
    }

    private static void lost(TokenClassificationData data, Path file, PrintStream console) {
        if (data.lostWords() > 0) {
            console.printf("note: %d words of %s got no token (cut by max_length or tokenized to nothing); they are not"
                    + " trained or scored, as in run_ner%n", data.lostWords(), file);
        }
    }
}
