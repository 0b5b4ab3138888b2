package org.finetune4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.finetune4j.cli.BadInputTest.assertError;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Fixtures;
import org.finetune4j.recipe.RecipeChanges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a newcomer reads: suggestions for typos, the right culprit, usage errors, an interrupted run's next command. */
class MessagesTest {

    @TempDir
    Path tmp;

    private Path recipe(String... training) throws IOException {
        Path train = Files.writeString(tmp.resolve("train.tsv"), "sentence\tlabel\n" + "a good movie\tpos\nthe bad coffee\tneg\n".repeat(40));
        return Files.writeString(tmp.resolve("recipe.yaml"), String.join("\n", "model:", "  path: " + Fixtures.dir("bert-seqcls"),
                "data:", "  train: train.tsv", "  validation: train.tsv", "  text_column: sentence", "training:",
                "  output_dir: out", "  logging_steps: 1", String.join("\n", training), ""));
    }

    @Test
    void anUnknownKeySuggestsTheNearestAndATypoInAnOverrideIsBlamedOnIt() throws IOException {
        Path r = recipe("  num_train_epoch: 1");
        assertError(CliRun.of("train", r), r, "unknown key 'training.num_train_epoch' (did you mean num_train_epochs?)");
        Path ok = recipe("  max_steps: 1");
        CliRun typo = CliRun.of("train", ok, "training.learning_rat=1");
        assertThat(typo.errLines()).containsExactly("error: override 'training.learning_rat=1': unknown key"
                + " 'training.learning_rat' (did you mean learning_rate?)");
        assertThat(CliRun.of("train", ok, "training.max_steps=many").err())
                .startsWith("error: override 'training.max_steps=many': training.max_steps must be an integer");
        Path misspelled = Files.writeString(tmp.resolve("block.yaml"), Files.readString(ok).replace("training:", "trainig:"));
        assertError(CliRun.of("train", misspelled), misspelled, "unknown key 'trainig' (did you mean training?)");
    }

    @Test
    void usageErrorsStartWithErrorAndExitTwo() {
        CliRun unknown = CliRun.of("nosuchcmd", "--help");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.errLines()).containsExactly("error: unknown command 'nosuchcmd' (finetune4j --help lists the commands)");
        assertThat(unknown.out()).isEmpty();
        assertThat(CliRun.of("tarin", "x.yaml").err()).contains("did you mean train?");
        CliRun missing = CliRun.of("inspect");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.errLines()).startsWith("error: Missing required parameter: 'MODEL_DIR'").contains("see: finetune4j inspect --help");
    }

    @Test
    void aMissingFolderIsSaidBeforeTheHubAndChatPointsAtChatTemplate() {
        Path typo = tmp.resolve("typo");
        assertError(CliRun.of("predict", "--model", typo, "hello"), typo, typo + ": no such folder or file");
        Path gpt2 = Fixtures.dir("gpt2-lm");
        assertError(CliRun.of("generate", "--model", gpt2, "--chat", "--prompt", "hi"), gpt2,
                "no chat template", "give --chat-template NAME instead, NAME one of chatml, llama-2, zephyr");
    }

    @Test
    void resumingWithChangedSettingsWarnsPerKey() throws IOException {
        Path r = recipe("  max_steps: 10", "  per_device_train_batch_size: 4");
        Path saved = Files.writeString(tmp.resolve("saved.yaml"), RecipeChanges.noted(Files.readString(r), List.of("data.max_length=32")));
        assertThat(RecipeChanges.since(saved, r, List.of("training.max_steps=20", "training.resume_from_checkpoint=true")))
                .containsExactly("warning: resuming with data.max_length unset (the run started with 32)",
                        "warning: resuming with training.max_steps 20 (the run started with 10)");
    }

    @Test
    void anInterruptedRunSaysTheStepAndTheCommandToResume() throws Exception {
        Path r = recipe("  max_steps: 100000", "  save_steps: 2", "  per_device_train_batch_size: 2");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "train", r.toString())
                .start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            for (String line = out.readLine(); line != null && !line.contains("\"step\":5"); line = out.readLine()) {
                // until the fifth step is logged (checkpoints 2 and 4 are saved by then)
            }
            new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start().waitFor(); // Ctrl-C
            assertThat(child.waitFor()).isEqualTo(130);
        }
        String err = new String(child.getErrorStream().readAllBytes());
        assertThat(err.lines().filter(l -> l.startsWith("interrupted")).toList()).singleElement().asString()
                .matches("interrupted at step \\d+; the last checkpoint is .*checkpoint-\\d+; resume with: \\./finetune4j train "
                        + r + " training.resume_from_checkpoint=true");
    }
}
