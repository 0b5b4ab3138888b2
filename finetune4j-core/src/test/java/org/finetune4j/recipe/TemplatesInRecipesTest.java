package org.finetune4j.recipe;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.Fixtures;
import org.finetune4j.data.Examples;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tokenize.Tokenizer;
import org.finetune4j.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The template keys of recipes: an instruction before classification texts, and the instruction task's own. */
class TemplatesInRecipesTest {

    @TempDir
    Path dir;

    private Path recipe(String model, String task, String... data) throws IOException {
        List<String> lines = new java.util.ArrayList<>(List.of("model:", "  path: " + Fixtures.dir(model), "task: " + task, "data:"));
        for (String d : data) {
            lines.add("  " + d);
        }
        lines.addAll(List.of("training:", "  output_dir: " + dir.resolve("out"), ""));
        Files.writeString(dir.resolve("t.jsonl"), ""); // the data files the recipes below name, beside them
        if (!Files.exists(dir.resolve("t.tsv"))) {
            Files.writeString(dir.resolve("t.tsv"), "");
        }
        return Files.write(dir.resolve("r.yaml"), lines);
    }

    @Test
    void classificationTextsGetTheInstructionBeforeThem() throws IOException {
        Path train = Files.write(dir.resolve("t.tsv"), List.of("sentence\tlabel", "good film\tpos", "bad film\tneg"));
        Recipe r = Recipe.load(recipe("bert-seqcls", "sequence-classification", "train: " + train, "text_column: sentence",
                "validation_split: 0", "template: 'Classify the sentiment: {text}'"), List.of());
        try (Scope scope = Scope.open(); Tokenizer tok = Tokenizer.load(Fixtures.dir("bert-seqcls"))) {
            Trainer.Job job = r.job(new PrintStream(java.io.OutputStream.nullOutputStream()));
            long[] ids = ((Examples) ((org.finetune4j.data.PackedRows) job.train()).examples()).ids()[0]; // packed by default
            assertThat(ids).containsExactly(tok.encode("Classify the sentiment: good film", null, 0, false).ids());
        }
    }

    @Test
    void badTemplatesNameTheKey() throws IOException {
        assertThatThrownBy(() -> Recipe.load(recipe("bert-seqcls", "sequence-classification", "train: t.tsv",
                "template: 'Classify: {sentence}'"), List.of())).isInstanceOf(Finetune4jException.class)
                .hasMessageContaining("data.template").hasMessageContaining("unknown placeholder {sentence}");
        assertThatThrownBy(() -> Recipe.load(recipe("gpt2-lm", "instruction", "train: t.jsonl", "template: vicuna"), List.of()))
                .hasMessageContaining("data.template").hasMessageContaining("chatml");
        assertThatThrownBy(() -> Recipe.load(recipe("gpt2-lm", "instruction", "train: t.jsonl", "format: sharegpt"), List.of()))
                .hasMessageContaining("data.format");
        Recipe ok = Recipe.load(recipe("gpt2-lm", "instruction", "train: t.jsonl"), List.of());
        Instruction d = (Instruction) ok.task();
        assertThat(d.template("alpaca")).isEqualTo("alpaca");
        assertThat(d.template("prompt-completion")).isEqualTo("raw");
        assertThat(d.template("messages")).isEqualTo("model");
        assertThat(d.maxLength(64)).isEqualTo(64);
        assertThat(d.maxLength(4096)).isEqualTo(512);
    }
}
