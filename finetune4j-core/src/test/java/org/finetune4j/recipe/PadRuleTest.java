package org.finetune4j.recipe;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.finetune4j.Fixtures;
import org.finetune4j.generate.CausalLm;
import org.finetune4j.io.Json;
import org.finetune4j.model.Head;
import org.finetune4j.model.TaskModel;
import org.finetune4j.tensor.Scope;
import org.finetune4j.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/** Training, generation and the fine-tuned-folder loader pick one pad id for a tokenizer without a pad token. */
class PadRuleTest {

    @TempDir
    Path dir;

    /** The gpt2-lm fixture without a pad token, its config.json naming a pad_token_id other than EOS (393). */
    private Path modelWithoutPadToken() throws IOException {
        Path model = Files.createDirectories(dir.resolve("model"));
        try (Stream<Path> files = Files.list(Fixtures.dir("gpt2-lm"))) {
            for (Path f : files.toList()) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        for (String name : List.of("special_tokens_map.json", "tokenizer_config.json")) {
            ObjectNode o = (ObjectNode) Json.MAPPER.readTree(model.resolve(name).toFile());
            o.remove("pad_token");
            Json.MAPPER.writeValue(model.resolve(name).toFile(), o);
        }
        ObjectNode config = (ObjectNode) Json.MAPPER.readTree(model.resolve("config.json").toFile());
        config.put("pad_token_id", 7);
        Json.MAPPER.writeValue(model.resolve("config.json").toFile(), config);
        return model;
    }

    @Test
    void trainingGenerationAndTheLoaderPadWithEosAlike() throws IOException {
        Path model = modelWithoutPadToken();
        Files.write(dir.resolve("t.txt"), List.of("once upon a time", "there was a cat"));
        Path recipe = Files.write(dir.resolve("r.yaml"), List.of("model:", "  path: " + model, "task: clm", "data:",
                "  train: t.txt", "  line_by_line: true", "  validation_split: 0", "training:", "  output_dir: out", ""));
        try (Scope scope = Scope.open()) {
            Trainer.Job job = Recipe.load(recipe, List.of()).job(new PrintStream(new ByteArrayOutputStream()));
            assertThat(job.padId()).isEqualTo(393);
            try (CausalLm lm = CausalLm.load(model, null); TaskModel m = TaskModel.load(model, Head.CAUSAL_LM, "test")) {
                assertThat(lm.pad).isEqualTo(job.padId());
                assertThat(m.padId()).isEqualTo(job.padId());
            }
        }
    }
}
