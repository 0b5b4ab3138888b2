package org.finetune4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Fixtures;
import org.finetune4j.tokenize.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SQuAD readers, run_qa's windows and span labels, and the bad answers they refuse or skip. */
class QaFeaturesTest {

    @TempDir
    Path dir;

    private static final String CONTEXT = "the quick brown fox jumps over the lazy dog in the park and the cat sat on the mat"
            + " near the river after the lunch in the garden";

    private static final String SQUAD = """
            {"version": "1.1", "data": [{"title": "t", "paragraphs": [{"context": "%s", "qas": [
              {"id": "a", "question": "  who sat on the mat?", "answers": [{"text": "the cat", "answer_start": 60}, {"text": "cat", "answer_start": 64}]},
              {"id": "b", "question": "where?", "answers": [{"text": "the garden", "answer_start": 117}]}]}]}]}
            """.formatted(CONTEXT);

    @Test
    void readsSquadJsonAndJsonl() {
        QaExamples q = QaExamples.read(TestFiles.write(dir, "d.json", SQUAD));
        assertThat(q.size()).isEqualTo(2);
        assertThat(q.examples().get(0).answers()).containsExactly("the cat", "cat");
        assertThat(q.examples().get(0).starts()).containsExactly(60, 64);
        assertThat(q.examples().get(1).where()).isEqualTo("data[0].paragraphs[0].qas[1]");
        Path l = TestFiles.write(dir, "d.jsonl", "{\"id\": \"x\", \"question\": \"q\", \"context\": \"the cat\","
                + " \"answers\": {\"text\": [\"cat\"], \"answer_start\": [4]}}\n");
        assertThat(QaExamples.read(l).examples().get(0).context()).isEqualTo("the cat");
        Path bad = TestFiles.write(dir, "bad.jsonl", "{\"id\": \"x\", \"question\": \"q\", \"context\": \"c\","
                + " \"answers\": {\"text\": [\"c\", \"d\"], \"answer_start\": [0]}}\n");
        assertThatThrownBy(() -> QaExamples.read(bad)).hasMessage(bad + ":1: 2 answer texts but 1 answer starts");
        Path dup = TestFiles.write(dir, "dup.json", SQUAD.replace("\"id\": \"b\"", "\"id\": \"a\""));
        assertThatThrownBy(() -> QaExamples.read(dup)).hasMessage(dup + ": data[0].paragraphs[0].qas[1]: question id 'a' appears twice");
    }

    @Test
    void aLongContextIsSplitIntoOverlappingWindowsAndLabelledAsRunQa() {
        QaExamples q = QaExamples.read(TestFiles.write(dir, "d.json", SQUAD));
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("bert-seqcls"))) {
            QaFeatures f = QaFeatures.build(q, tok, 20, 4, true, false);
            assertThat(f.size()).isGreaterThan(4); // 35 context tokens, 13-15 a window
            for (int i = 0; i < f.size(); i++) {
                QaExamples.Example e = q.examples().get(f.example()[i]);
                int s = (int) f.startPositions()[i];
                int t = (int) f.endPositions()[i];
                if (s == 0) {
                    assertThat(t).isZero(); // CLS: the window does not hold the whole answer
                    continue;
                }
                String span = e.context().substring(f.offsetStart()[i][s], f.offsetEnd()[i][t]);
                assertThat(span).isEqualTo(e.answers().get(0));
            }
            long withAnswer = java.util.stream.IntStream.range(0, f.size()).filter(i -> f.startPositions()[i] != 0).count();
            assertThat(withAnswer).isGreaterThanOrEqualTo(2).isLessThan(f.size());
            // question tokens and specials carry no offsets
            assertThat(f.offsetStart()[0][0]).isEqualTo(-1);
            assertThat(f.offsetStart()[0][1]).isEqualTo(-1);
            // windows overlap by the stride: the context tokens of consecutive windows of one question share 4
            int firstEnd = lastContext(f, 0);
            assertThat(f.offsetStart()[1][firstContext(f, 1) + 3]).isEqualTo(f.offsetStart()[0][firstEnd]);
        }
    }

    @Test
    void anAnswerNotAtItsStartIsAnErrorOrACountedSkip() {
        Path file = TestFiles.write(dir, "d.json", SQUAD.replace("\"answer_start\": 60", "\"answer_start\": 12"));
        QaExamples q = QaExamples.read(file);
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("bert-seqcls"))) {
            assertThatThrownBy(() -> QaFeatures.build(q, tok, 64, 16, true, false))
                    .hasMessageStartingWith(file + ": data[0].paragraphs[0].qas[0]: answer 'the cat' is not at answer_start 12"
                            + " of its context (found 'own fox')");
            QaFeatures f = QaFeatures.build(q, tok, 64, 16, true, true);
            assertThat(f.skipped()).isEqualTo(1);
            assertThat(java.util.Arrays.stream(f.example()).distinct().toArray()).containsExactly(1);
            // evaluation only needs the texts
            assertThat(QaFeatures.build(q, tok, 64, 16, false, false).skipped()).isZero();
        }
    }

    @Test
    void aQuestionThatLeavesNoRoomForTheContextNamesItsPlace() {
        QaExamples q = QaExamples.read(TestFiles.write(dir, "d.json", SQUAD));
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("bert-seqcls"))) {
            assertThatThrownBy(() -> QaFeatures.build(q, tok, 10, 4, true, false))
                    .hasMessageContaining("data[0].paragraphs[0].qas[0]: the question leaves too little room for the context");
        }
    }

    @Test
    void batchesCarrySpansAndOneLossItemARow() {
        QaExamples q = QaExamples.read(TestFiles.write(dir, "d.json", SQUAD));
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("bert-seqcls"))) {
            QaFeatures f = QaFeatures.build(q, tok, 64, 16, true, false);
            assertThat(f.size()).isEqualTo(2);
            Batch b = f.batch(new int[] {0, 1}, 0);
            assertThat(b.lossItems()).isEqualTo(2);
            assertThat(b.startPositions()).containsExactly(f.startPositions()[0], f.startPositions()[1]);
            assertThat(b.attentionMask()[1]).endsWith(0L); // the shorter question is padded
            assertThat(List.of(tok.decode(java.util.Arrays.copyOfRange(f.ids()[0], (int) f.startPositions()[0],
                    (int) f.endPositions()[0] + 1), true))).containsExactly("the cat");
        }
    }

    private static int firstContext(QaFeatures f, int i) {
        int t = 0;
        while (f.offsetStart()[i][t] < 0) {
            t++;
        }
        return t;
    }

    private static int lastContext(QaFeatures f, int i) {
        int t = f.offsetStart()[i].length - 1;
        while (f.offsetStart()[i][t] < 0) {
            t--;
        }
        return t;
    }
}
