package org.finetune4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.Fixtures;
import org.finetune4j.tokenize.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CoNLL and JSONL NER readers, their bad-input errors, and run_ner's word-to-piece label alignment. */
class TokenClassificationDataTest {

    @TempDir
    Path dir;

    private static TaggedSentences.Layout layout(TagScheme scheme) {
        return new TaggedSentences.Layout(null, -1, "tokens", "ner_tags", null, scheme);
    }

    private static final String CONLL = """
            -DOCSTART- -X- -X- O

            EU NNP B-NP B-ORG
            rejects VBZ B-VP O
            German JJ B-NP B-MISC

            Peter NNP B-NP B-PER
            Blackburn NNP I-NP I-PER
            """;

    @Test
    void conllSkipsDocstartAndSplitsOnBlankLines() {
        TaggedSentences s = TaggedSentences.read(TestFiles.write(dir, "train.txt", CONLL), layout(TagScheme.IOB2));
        assertThat(s.words()).containsExactly(List.of("EU", "rejects", "German"), List.of("Peter", "Blackburn"));
        assertThat(s.tags()).containsExactly(List.of("B-ORG", "O", "B-MISC"), List.of("B-PER", "I-PER"));
        assertThat(s.lines()).containsExactly(3, 7);
        TaggedSentences pos = TaggedSentences.read(TestFiles.write(dir, "pos.txt", CONLL),
                new TaggedSentences.Layout("conll", 2, "tokens", "ner_tags", null, TagScheme.IOB2));
        assertThat(pos.tags().get(0)).containsExactly("B-NP", "B-VP", "B-NP");
    }

    @Test
    void jsonlReadsStringTagsAndIntTagsThroughTheLabelList() {
        Path f = TestFiles.write(dir, "d.jsonl", """
                {"tokens": ["EU", "rejects"], "ner_tags": ["B-ORG", "O"]}

                {"tokens": ["Peter", "Blackburn"], "ner_tags": [1, 2]}
                """);
        assertThatThrownBy(() -> TaggedSentences.read(f, layout(TagScheme.IOB2)))
                .isInstanceOf(Finetune4jException.class).hasMessage(f + ":3: integer tags under 'ner_tags' need data.label_list (the tag names by id)");
        TaggedSentences s = TaggedSentences.read(f, new TaggedSentences.Layout(null, -1, "tokens", "ner_tags",
                List.of("O", "B-PER", "I-PER", "B-ORG"), TagScheme.IOB2));
        assertThat(s.tags()).containsExactly(List.of("B-ORG", "O"), List.of("B-PER", "I-PER"));
        assertThat(s.lines()).containsExactly(1, 3);
    }

    @Test
    void tagCountDifferentFromTokenCountNamesTheLine() {
        Path jsonl = TestFiles.write(dir, "bad.jsonl", "{\"tokens\": [\"a\"], \"ner_tags\": [\"O\"]}\n"
                + "{\"tokens\": [\"a\", \"b\", \"c\"], \"ner_tags\": [\"O\", \"B-PER\"]}\n");
        assertThatThrownBy(() -> TaggedSentences.read(jsonl, layout(TagScheme.IOB2)))
                .hasMessage(jsonl + ":2: 3 tokens but 2 tags");
        Path conll = TestFiles.write(dir, "bad.txt", "EU NNP B-NP B-ORG\nrejects VBZ B-VP\n");
        assertThatThrownBy(() -> TaggedSentences.read(conll, layout(TagScheme.IOB2)))
                .hasMessageStartingWith(conll + ":2: 3 columns, but line 1 has 4");
        Path lone = TestFiles.write(dir, "lone.txt", "EU\n");
        assertThatThrownBy(() -> TaggedSentences.read(lone, layout(TagScheme.IOB2)))
                .hasMessageStartingWith(lone + ":1: 1 column, expected a word and its tag");
    }

    @Test
    void tagsOutsideTheSchemeAreRefusedWithTheirLine() {
        Path f = TestFiles.write(dir, "bioes.txt", "Peter S-PER\n\nin O\nParis B-LOC\nsoon E-LOC\n");
        assertThat(TaggedSentences.read(f, layout(TagScheme.BIOES)).size()).isEqualTo(2);
        assertThatThrownBy(() -> TaggedSentences.read(f, layout(TagScheme.IOB2)))
                .hasMessageStartingWith(f + ":1: tag 'S-PER' is not O or one of B-, I- followed by a type");
        Path g = TestFiles.write(dir, "ioe.txt", "in O\nParis B-LOC\nsoon E-LOC\n");
        assertThatThrownBy(() -> TaggedSentences.read(g, layout(TagScheme.IOB1)))
                .hasMessageStartingWith(g + ":3: tag 'E-LOC'");
    }

    @Test
    void firstPieceTakesTheTagOthersAreIgnoredOrTakeTheInsideTag() {
        TaggedSentences s = new TaggedSentences(dir.resolve("x"), List.of(List.of("the", "Paris", "cat")),
                List.of(List.of("O", "B-LOC", "B-PER")), new int[] {1});
        LabelMap labels = TokenClassificationData.labelMap(s, List.of("O", "B-LOC", "I-LOC", "B-PER"));
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("bert-seqcls"))) {
            // [CLS] the p ##a ##r ##i ##s cat [SEP]
            TokenClassificationData d = TokenClassificationData.tokenize(s, labels, tok, 0, false);
            assertThat(d.labels()[0]).containsExactly(-100, 0, 1, -100, -100, -100, -100, 3, -100);
            TokenClassificationData all = TokenClassificationData.tokenize(s, labels, tok, 0, true);
            assertThat(all.labels()[0]).containsExactly(-100, 0, 1, 2, 2, 2, 2, 3, -100); // B-PER has no I-PER: stays
            TokenClassificationData cut = TokenClassificationData.tokenize(s, labels, tok, 5, false);
            assertThat(cut.labels()[0]).containsExactly(-100, 0, 1, -100, -100);
            assertThat(cut.lostWords()).isEqualTo(1);
            Batch b = d.batch(new int[] {0}, 0);
            assertThat(b.lossItems()).isEqualTo(3);
        }
    }

    @Test
    void aValidationTagUnseenInTrainingIsAnError() {
        TaggedSentences s = new TaggedSentences(dir.resolve("valid.txt"), List.of(List.of("the")), List.of(List.of("B-XYZ")),
                new int[] {7});
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("bert-seqcls"))) {
            assertThatThrownBy(() -> TokenClassificationData.tokenize(s, new LabelMap(List.of("O")), tok, 0, false))
                    .hasMessageStartingWith(dir.resolve("valid.txt") + ":7: tag 'B-XYZ' is not one of the training tags");
        }
    }
}
