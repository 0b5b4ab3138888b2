package org.finetune4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/** data.max_tokens_per_batch refused where it cannot hold: one error line naming the key, exit code 1, nothing written. */
class TokenBudgetRefusalsTest {

    @TempDir
    Path dir;

    private Path recipe() throws IOException {
        Path train = Files.write(dir.resolve("train.tsv"), List.of("sentence\tlabel", "good film\tpos",
                "a bad and long and dull film\tneg", "fine\tpos", "nice\tpos", "bad\tneg", "dull\tneg"));
        return Files.write(dir.resolve("r.yaml"), List.of("model:", "  path: " + Fixtures.dir("bert-seqcls"),
                "task: sequence-classification", "data:", "  train: " + train, "  text_column: sentence",
                "  validation_split: 0", "  max_tokens_per_batch: 32", "training:", "  output_dir: " + dir.resolve("out"),
                "  max_steps: 1"));
    }

    private void assertRefused(String expected, String... overrides) throws IOException {
        Path recipe = recipe();
        Object[] args = new Object[overrides.length + 2];
        args[0] = "train";
        args[1] = recipe;
        System.arraycopy(overrides, 0, args, 2, overrides.length);
        CliRun run = CliRun.of(args);
        assertThat(run.code()).as(run.err()).isEqualTo(1);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.err()).startsWith("error: ").contains("data.max_tokens_per_batch").contains(expected);
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void withoutPacking() throws IOException {
        assertRefused("needs data.packing: true", "data.packing=false");
    }

    @Test
    void aBudgetThatIsNotPositive() throws IOException {
        assertRefused("must be a positive number of tokens, got 0", "data.max_tokens_per_batch=0");
        assertRefused("must be a positive number of tokens, got -8", "data.max_tokens_per_batch=-8");
        assertRefused("must be an integer", "data.max_tokens_per_batch=lots");
    }

    @Test
    void aBudgetBelowTheLongestExample() throws IOException {
        // "a bad and long and dull film": 18 tokens in the fixture's small vocabulary, with [CLS] and [SEP]
        assertRefused("is less than the longest training example (18 tokens), which no batch could hold; give at least 18",
                "data.max_tokens_per_batch=17");
    }

    @Test
    void withGroupByLength() throws IOException {
        assertRefused("does not go with training.group_by_length", "training.group_by_length=true");
    }
}
