package org.finetune4j.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.finetune4j.Fixtures;
import org.finetune4j.tokenize.Encoding;
import org.finetune4j.tokenize.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExamplesTest {

    @TempDir
    Path dir;

    private static Examples threeExamples() {
        long[][] ids = {{101, 7, 8, 102}, {101, 9, 102}, {101, 4, 5, 6, 7, 102}};
        long[][] types = {{0, 0, 0, 0}, {0, 0, 0}, {0, 0, 0, 1, 1, 1}};
        return new Examples(ids, types, new int[] {1, 0, 2});
    }

    @Test
    void padsToTheBatchLongestRowOnly() {
        Examples ex = threeExamples();
        assertThat(ex.lengths()).containsExactly(4, 3, 6);
        Batch b = ex.batch(new int[] {1, 0}, 0);
        assertThat(b.length()).isEqualTo(4);
        assertThat(b.inputIds()).isEqualTo(new long[][] {{101, 9, 102, 0}, {101, 7, 8, 102}});
        assertThat(b.attentionMask()).isEqualTo(new long[][] {{1, 1, 1, 0}, {1, 1, 1, 1}});
        assertThat(b.tokenTypeIds()).isEqualTo(new long[][] {{0, 0, 0, 0}, {0, 0, 0, 0}});
        assertThat(b.labels()).containsExactly(0, 1);
        assertThat(b.exampleIndices()).containsExactly(1, 0);
        assertThat(b.tokens()).isEqualTo(7);
    }

    @Test
    void padsWithThePadIdAndZeroTypeIds() {
        Batch b = threeExamples().batch(new int[] {2, 1}, 1); // RoBERTa's pad id is 1
        assertThat(b.inputIds()[1]).containsExactly(101, 9, 102, 1, 1, 1);
        assertThat(b.attentionMask()[1]).containsExactly(1, 1, 1, 0, 0, 0);
        assertThat(b.tokenTypeIds()[0]).containsExactly(0, 0, 0, 1, 1, 1);
        assertThat(b.tokenTypeIds()[1]).containsExactly(0, 0, 0, 0, 0, 0);
    }

    @Test
    void tokenizesWithTheModelTokenizerUnpadded() {
        Path f = TestFiles.write(dir, "t.tsv", "sentence\tlabel\nhello world\t1\nhello\t0\n");
        TextClassificationData d = TextClassificationData.readTraining(f, TextColumns.single("sentence", "label"), false);
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("bert-seqcls"))) {
            Examples ex = Examples.tokenize(d, tok, 16);
            Encoding first = tok.encode("hello world", null, 16, false);
            assertThat(ex.ids()[0]).isEqualTo(first.ids());
            assertThat(ex.labels()).containsExactly(1, 0);
            Batch b = ex.batch(new int[] {0, 1}, tok.special().pad());
            assertThat(b.inputIds()[0]).isEqualTo(first.ids());
            Encoding padded = tok.encode("hello", null, first.length(), true);
            assertThat(b.inputIds()[1]).isEqualTo(padded.ids());
            assertThat(b.attentionMask()[1]).isEqualTo(padded.attentionMask());
            assertThat(b.tokenTypeIds()[1]).isEqualTo(padded.typeIds());
        }
    }
}
