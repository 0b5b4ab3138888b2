package org.finetune4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.finetune4j.Finetune4jException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextClassificationDataTest {

    private static final TextColumns SST2 = TextColumns.single("sentence", "label");
    private static final TextColumns TEXT = TextColumns.single("text", "label");

    @TempDir
    Path dir;

    @Test
    void readsTextsLabelsAndLines() {
        Path f = TestFiles.write(dir, "train.tsv", "sentence\tlabel\ngood film \t1\nbad film \t0\n\nfine\t1\n");
        TextClassificationData d = TextClassificationData.readTraining(f, SST2, false);
        assertThat(d.texts()).containsExactly("good film ", "bad film ", "fine");
        assertThat(d.pairs()).isNull();
        assertThat(d.labels()).containsExactly(1, 0, 1);
        assertThat(d.lines()).containsExactly(2, 3, 5);
        assertThat(d.labelMap().id2label()).isEqualTo(Map.of(0, "0", 1, "1"));
        assertThat(d.skipped()).isZero();
    }

    @Test
    void integerLabelsSortNumericallyOthersLexicographically() {
        assertThat(LabelMap.sorted(List.of("10", "2", "0", "1", "2")).names()).containsExactly("0", "1", "2", "10");
        assertThat(LabelMap.sorted(List.of("5", "3", "1", "4", "2")).label2id())
                .containsExactly(Map.entry("1", 0), Map.entry("2", 1), Map.entry("3", 2), Map.entry("4", 3), Map.entry("5", 4));
        assertThat(LabelMap.sorted(List.of("-1", "+1", "0")).names()).containsExactly("-1", "0", "+1");
        assertThat(LabelMap.sorted(List.of("positive", "negative", "Neutral", "10", "2")).names())
                .containsExactly("10", "2", "Neutral", "negative", "positive");
    }

    @Test
    void pairColumnAndJsonNumberLabels() {
        Path f = TestFiles.write(dir, "mnli.jsonl", """
                {"premise": "A man eats.", "hypothesis": "Someone eats.", "label": 0}
                {"premise": "A dog runs.", "hypothesis": "A cat sleeps.", "label": 2}
                {"premise": "Rain.", "hypothesis": "Wet \u00e9t\u00e9.", "label": 1}
                """);
        TextClassificationData d = TextClassificationData.readTraining(f, new TextColumns("premise", "hypothesis", "label"), false);
        assertThat(d.pairs()).containsExactly("Someone eats.", "A cat sleeps.", "Wet \u00e9t\u00e9.");
        assertThat(d.labels()).containsExactly(0, 2, 1);
    }

    @Test
    void validationUsesTheTrainingLabelMap() {
        Path train = TestFiles.write(dir, "train.csv", "text,label\na,positive\nb,negative\nc,positive\n");
        Path dev = TestFiles.write(dir, "dev.csv", "text,label\nx,positive\ny, negative\n");
        TextClassificationData t = TextClassificationData.readTraining(train, TEXT, false);
        assertThat(t.labelMap().names()).containsExactly("negative", "positive");
        TextClassificationData v = TextClassificationData.read(dev, TEXT, t.labelMap(), false);
        assertThat(v.labels()).containsExactly(1, 0);
    }

    @Test
    void unknownLabelInValidation() {
        Path dev = TestFiles.write(dir, "dev.csv", "text,label\nx,positive\n\"two\nlines\",neutral\n");
        LabelMap map = new LabelMap(List.of("negative", "positive"));
        assertThatThrownBy(() -> TextClassificationData.read(dev, TEXT, map, true))
                .isInstanceOf(Finetune4jException.class)
                .hasMessage(dev + ":3: label 'neutral' is not one of the training labels [negative, positive]");
    }

    @Test
    void missingColumnNamesTheColumnsThatExist() {
        Path f = TestFiles.write(dir, "train.tsv", "text\tlabel\na\t1\n");
        assertThatThrownBy(() -> TextClassificationData.readTraining(f, SST2, false))
                .isInstanceOf(Finetune4jException.class)
                .hasMessage(f + ": no column 'sentence'; the columns are [text, label]");
        Path j = TestFiles.write(dir, "train.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\"}\n");
        assertThatThrownBy(() -> TextClassificationData.readTraining(j, TEXT, false))
                .hasMessage(j + ":2: no column 'label' in this row; it has [text]");
    }

    @Test
    void emptyTextOrLabel() {
        Path f = TestFiles.write(dir, "train.csv", "text,label\nok,1\n\"  \n \",0\n");
        assertThatThrownBy(() -> TextClassificationData.readTraining(f, TEXT, false))
                .isInstanceOf(Finetune4jException.class)
                .hasMessage(f + ":3: empty text in column 'text'");
        Path g = TestFiles.write(dir, "l.csv", "text,label\nok,1\nno label,\n");
        assertThatThrownBy(() -> TextClassificationData.readTraining(g, TEXT, false))
                .hasMessage(g + ":3: empty label in column 'label'");
    }

    @Test
    void valueThatIsNotAStringOrNumber() {
        Path f = TestFiles.write(dir, "t.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"text\": [\"b\"], \"label\": 0}\n");
        assertThatThrownBy(() -> TextClassificationData.readTraining(f, TEXT, false))
                .hasMessage(f + ":2: column 'text' is not a string or a number");
    }

    @Test
    void skipBadRowsSkipsAndCounts() {
        Path f = TestFiles.write(dir, "train.csv",
                "text,label\ngood,1\n,0\ntoo,many,fields\n\"   \",1\nfine,0\n\"x\"y,1\nlast,1\n");
        TextClassificationData d = TextClassificationData.readTraining(f, TEXT, true);
        assertThat(d.skipped()).isEqualTo(4);
        assertThat(d.firstSkipped()).isEqualTo(f + ":3: empty text in column 'text'");
        assertThat(d.texts()).containsExactly("good", "fine", "last");
        assertThat(d.lines()).containsExactly(2, 6, 8);
    }

    @Test
    void allRowsBad() {
        Path f = TestFiles.write(dir, "train.tsv", "sentence\tlabel\n \t1\nonly one field\n");
        assertThatThrownBy(() -> TextClassificationData.readTraining(f, SST2, true))
                .isInstanceOf(Finetune4jException.class)
                .hasMessage(f + ": no rows left after skipping 2 bad rows (first: " + f + ":2: empty text in column 'sentence')");
    }

    @Test
    void validationSplitIsDeterministicAndPartitions() {
        StringBuilder b = new StringBuilder("text,label\n");
        IntStream.range(0, 95).forEach(i -> b.append("t").append(i).append(',').append(i % 3).append('\n'));
        TextClassificationData d = TextClassificationData.readTraining(TestFiles.write(dir, "t.csv", b.toString()), TEXT, false);
        TextClassificationData.Split s = d.split(0.1, 42);
        // ceil(0.1 * 95) = 10 validation rows, as datasets' train_test_split sizes them
        assertThat(s.validation().size()).isEqualTo(10);
        assertThat(s.train().size()).isEqualTo(85);
        assertThat(s.validation().lines()).isSorted();
        assertThat(s.train().lines()).isSorted();
        int[] all = IntStream.concat(Arrays.stream(s.train().lines()), Arrays.stream(s.validation().lines())).sorted().toArray();
        assertThat(all).isEqualTo(IntStream.rangeClosed(2, 96).toArray());
        TextClassificationData.Split again = d.split(0.1, 42);
        assertThat(again.validation().texts()).isEqualTo(s.validation().texts());
        assertThat(d.split(0.1, 43).validation().texts()).isNotEqualTo(s.validation().texts());
        assertThat(s.validation().labelMap()).isEqualTo(d.labelMap());
        int first = d.texts().indexOf(s.validation().texts().get(0));
        assertThat(s.validation().labels()[0]).isEqualTo(d.labels()[first]);
    }

    @Test
    void validationSplitOutOfRange() {
        Path f = TestFiles.write(dir, "t.csv", "text,label\na,1\n");
        TextClassificationData d = TextClassificationData.read(f, TEXT, new LabelMap(List.of("0", "1")), false);
        assertThatThrownBy(() -> d.split(0.5, 1)).hasMessage(f + ": validation_split 0.5 of 1 rows leaves no training rows");
        assertThatThrownBy(() -> d.split(1.0, 1)).hasMessage(f + ": validation_split must be between 0 and 1 (exclusive), got 1.0");
    }
}
