package org.finetune4j.recipe;

import java.nio.file.Path;
import java.util.List;
import org.finetune4j.data.TagScheme;
import org.finetune4j.data.TaggedSentences;

/**
 * The {@code data} block of {@code task: token-classification}: CoNLL or JSONL files, where the tags
 * are, the tag scheme, seqeval's mode, label_all_tokens and the max length.
 */
public record TokenClassificationSpec(Path train, Path validation, TaggedSentences.Layout layout, boolean strict,
        boolean labelAllTokens, Integer maxLength) implements Recipe.TaskSpec {

    /** max_length as given, else the model's positions capped at 512 (run_ner pads to the tokenizer's maximum). */
    public int maxLength(int modelPositions) {
        return maxLength != null ? maxLength : Math.min(512, modelPositions);
    }

    static TokenClassificationSpec read(Node d) {
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
        TokenClassificationSpec spec = new TokenClassificationSpec(d.requiredInput("train"),
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
}
