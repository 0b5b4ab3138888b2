package org.finetune4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.finetune4j.data.TextClassificationData;
import org.finetune4j.data.TextColumns;
import org.finetune4j.tokenize.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's shipped data and its refusal to overwrite a folder it did not write (the full demo is run by hand). */
class DemoDataTest {

    @TempDir
    Path tmp;

    private Path copy(String name) throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream("/demo/" + name)) {
            assertThat(in).as(name).isNotNull();
            Path f = tmp.resolve(name);
            Files.copy(in, f);
            return f;
        }
    }

    @Test
    void reviewsAreLabelledBalancedAndTheSplitsAreDisjoint() throws IOException {
        TextColumns cols = new TextColumns("text", null, "label");
        TextClassificationData train = TextClassificationData.readTraining(copy("reviews_train.csv"), cols, false);
        TextClassificationData test = TextClassificationData.read(copy("reviews_test.csv"), cols, train.labelMap(), false);
        assertThat(train.labelMap().names()).containsExactly("negative", "positive");
        assertThat(train.size()).isEqualTo(440);
        assertThat(test.size()).isEqualTo(120);
        Set<String> seen = new HashSet<>(Files.readAllLines(tmp.resolve("reviews_train.csv")));
        assertThat(Files.readAllLines(tmp.resolve("reviews_test.csv")).subList(1, 121)).noneMatch(seen::contains);
        List<String> corpus = Files.readAllLines(copy("corpus.txt"), StandardCharsets.UTF_8);
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(300).doesNotHaveDuplicates().noneMatch(String::isBlank);
    }

    @Test
    void theRealDemosSentencesAreLabelledBalancedAndTheSplitsAreDisjoint() throws IOException {
        TextColumns cols = new TextColumns("text", null, "label");
        TextClassificationData train = TextClassificationData.readTraining(copy("sentiment_train.csv"), cols, false);
        TextClassificationData test = TextClassificationData.read(copy("sentiment_test.csv"), cols, train.labelMap(), false);
        assertThat(train.labelMap().names()).containsExactly("negative", "positive");
        assertThat(train.size()).isEqualTo(2000);
        assertThat(test.size()).isEqualTo(400);
        List<String> trainRows = Files.readAllLines(tmp.resolve("sentiment_train.csv"));
        List<String> testRows = Files.readAllLines(tmp.resolve("sentiment_test.csv")).subList(1, 401);
        assertThat(trainRows.stream().filter(r -> r.endsWith(",positive")).count()).isBetween(900L, 1100L);
        assertThat(testRows).noneMatch(new HashSet<>(trainRows)::contains);
    }

    @Test
    void theVocabularyCoversEveryShippedWord() throws IOException {
        Path dir = tmp.resolve("tok");
        Files.createDirectories(dir);
        Files.copy(copy("vocab.txt"), dir.resolve("vocab.txt"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": true, \"unk_token\": \"[UNK]\"}");
        List<String> texts = new ArrayList<>(Files.readAllLines(copy("corpus.txt")));
        Files.readAllLines(copy("reviews_train.csv")).stream().skip(1).forEach(texts::add);
        try (Tokenizer tok = Tokenizer.load(dir)) {
            for (String t : texts) {
                assertThat(tok.tokenize(t)).as(t).doesNotContain("[UNK]");
            }
        }
    }

    @Test
    void theDemoRefusesAFolderItDidNotWrite() throws IOException {
        Path mine = tmp.resolve("mine");
        Files.createDirectories(mine);
        Files.writeString(mine.resolve("notes.txt"), "keep me");
        CliRun r = CliRun.of("demo", "--out", mine);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("was not written by the demo");
        assertThat(Files.readString(mine.resolve("notes.txt"))).isEqualTo("keep me");
        assertThat(CliRun.of("demo", "--epochs", "0").code()).isEqualTo(2);
    }
}
