package org.finetune4j.recipe;

import java.nio.file.Path;
import java.util.List;
import org.finetune4j.data.LabelMap;
import org.finetune4j.data.TagScheme;
import org.finetune4j.data.TaggedSentences;
import org.finetune4j.data.TokenClassificationData;
import org.finetune4j.eval.TokenEvaluator;
import org.finetune4j.model.Head;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tokenize.Tokenizer;
import org.finetune4j.train.Evaluation;
import org.finetune4j.train.Trainer;

/**
 * {@code task: token-classification} (NER). Its {@code data} block: CoNLL or JSONL files, where the tags
 * are, the tag scheme, seqeval's mode, label_all_tokens and the max length. The job: tagged sentences, a label
 * map from the training tags (or label_list), seqeval metrics.
 */
public record TokenClassification(Path train, Path validation, TaggedSentences.Layout layout, boolean strict,
        boolean labelAllTokens, Integer maxLength) implements Task {

    static final Kind KIND = new Kind("token-classification", TokenClassification::read);

    @Override
    public String name() {
        return KIND.name();
    }

    /** max_length as given, else the model's positions capped at 512 (run_ner pads to the tokenizer's maximum). */
    public int maxLength(int modelPositions) {
        return maxLength != null ? maxLength : Math.min(512, modelPositions);
    }

    static TokenClassification read(Node d) {
        String format = d.has("format") ? d.choice("format", "conll", List.of("conll", "jsonl")) : null;
        int tagColumn = d.integer("tag_column", -1);
        List<String> labelList = d.has("label_list") ? d.strings("label_list") : null;
        TagScheme scheme;
        try {
            scheme = TagScheme.parse(d.string("scheme", "iob2"));
        } catch (IllegalArgumentException e) {
            throw d.error("scheme", e.getMessage());
        }
        String mode = d.choice("mode", "default", List.of("default", "strict"));
        TaggedSentences.Layout layout = new TaggedSentences.Layout(format, tagColumn, d.string("tokens_field", "tokens"),
                d.string("tags_field", "ner_tags"), labelList, scheme);
        TokenClassification spec = new TokenClassification(d.requiredInput("train"),
                d.input("validation"), layout, mode.equals("strict"), d.bool("label_all_tokens", false),
                d.optionalInt("max_length"));
        if (spec.maxLength() != null && spec.maxLength() < 3) {
            throw d.error("max_length", "must be at least 3, got " + spec.maxLength());
        }
        if (tagColumn < -1) {
            throw d.error("tag_column", "must be a column index (0 = first) or -1 for the last, got " + tagColumn);
        }
        if (labelList != null && (labelList.isEmpty() || new java.util.HashSet<>(labelList).size() != labelList.size())) {
            throw d.error("label_list", "must list each tag once, got " + labelList);
        }
        return spec;
    }

    @Override
    public boolean packs() {
        return true;
    }

    @Override
    public Trainer.Job job(JobContext c) {
        TaggedSentences trainRows = TaggedSentences.read(c.dataFile(train), layout);
        TaggedSentences eval = validation == null ? null : TaggedSentences.read(c.dataFile(validation), layout);
        LabelMap labels = TokenClassificationData.labelMap(trainRows, layout.labelList());
        Tokenizer tok = c.tokenizer();
        int maxLength = maxLength(c.config().maxPositions());
        c.checkLength("data.max_length", maxLength);
        c.checkHeadLabels(Head.TOKEN_CLASSIFICATION, labels, trainRows.file());
        TransformerModel model = c.model(c.configWith(labels, null), Head.TOKEN_CLASSIFICATION);
        TokenClassificationData trainData = TokenClassificationData.tokenize(trainRows, labels, tok, maxLength, labelAllTokens);
        c.console().printf("train: %d sentences of %s, %d tags %s%n", trainRows.size(), train, labels.size(), labels.names());
        lost(trainData, train, c);
        Evaluation evaluation = null;
        if (eval != null) {
            TokenClassificationData evalData = TokenClassificationData.tokenize(eval, labels, tok, maxLength, labelAllTokens);
            lost(evalData, validation, c);
            int batch = c.evalBatch();
            long pad = c.padId();
            List<String> names = labels.names();
            evaluation = (m, world) -> TokenEvaluator.evaluate(m, evalData, names, strict, layout.scheme(), batch, pad, world,
                    c.recipe().packing());
        }
        return c.job(model, trainData, evaluation);
    }

    private static void lost(TokenClassificationData data, Path file, JobContext c) {
        if (data.lostWords() > 0) {
            c.console().printf("note: %d words of %s got no token (cut by max_length or tokenized to nothing); they are not"
                    + " trained or scored, as in run_ner%n", data.lostWords(), file);
        }
    }
}
