package org.finetune4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's model cache (the real all-MiniLM-L6-v2 jar is a dependency) and the tiny pipeline end to end. */
class DemoCommandTest {

    @TempDir
    Path tmp;

    @Test
    void theDemoModelIsImportedOnceIntoTheCacheAndHalfWrittenImportsAreCleared() throws Exception {
        Path cache = tmp.resolve("cache");
        Path leftover = cache.resolve("models").resolve(".all-minilm-l6-v2-1.19.0-beta29.import-123").resolve("model");
        Files.createDirectories(leftover);
        Files.writeString(leftover.resolve("model.safetensors"), "half");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream console = new PrintStream(log, true, StandardCharsets.UTF_8);
        ExecutorService two = Executors.newFixedThreadPool(2);
        List<Future<Path>> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            runs.add(two.submit(() -> DemoModel.resolve(cache, console)));
        }
        Path first = runs.get(0).get();
        assertThat(runs.get(1).get()).isEqualTo(first);
        two.shutdown();
        assertThat(first).isEqualTo(cache.resolve("models").resolve("all-minilm-l6-v2-1.19.0-beta29"));
        assertThat(log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("first use"))).hasSize(1);
        assertThat(leftover.getParent()).doesNotExist();
        CliRun inspect = CliRun.of("inspect", first, "--json");
        assertThat(inspect.out()).contains("\"attention_heads\" : 12", "\"newly_initialised\" : [ ]", "\"unexpected\" : [ ]");
        assertThat(DemoModel.resolve(cache, console)).isEqualTo(first); // warm: no second import
    }

    @Test
    void theTinyDemoRunsTheWholePipeline() throws IOException {
        Path out = tmp.resolve("demo");
        CliRun r = CliRun.of("demo", "--tiny", "--epochs", "1", "--out", out);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(out.resolve("sentiment/report.html")).exists();
        assertThat(out.resolve("attention_before_after.png")).exists();
        assertThat(Files.readString(out.resolve("recipe.yaml"))).contains("reviews_train.csv", "num_train_epochs: 1");
    }
}
