package org.finetune4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.recipe.Recipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One run per output_dir: a second is refused naming the holder; a killed run's lock is taken over; bad folders in words. */
class RunLockTest {

    @TempDir
    Path dir;

    @Test
    void aSecondRunIsRefusedUntilTheFirstIsKilled() throws Exception {
        Path recipe = TrainerFixture.recipe(dir, TrainerFixture.tsv(dir, "train.tsv", 8, 1), null, "max_steps: 1");
        TrainingArguments args = Recipe.load(recipe, List.of()).training();
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), RunLockHolder.class.getName(), recipe.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine())
                    .isEqualTo("LOCKED");
            assertThatThrownBy(() -> Runs.prepare(args, new PrintStream(new ByteArrayOutputStream())))
                    .isInstanceOf(Finetune4jException.class)
                    .hasMessageStartingWith(args.outputDir() + ": output_dir is in use by another run (pid " + holder.pid() + " on ")
                    .hasMessageContaining(", started 20");
        } finally {
            holder.destroyForcibly(); // SIGKILL: the lock file keeps its holder's line
            holder.waitFor();
        }
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (RunLock lock = Runs.prepare(args, new PrintStream(console, true))) {
            assertThat(console.toString()).contains("was locked by a run that ended without releasing it (pid " + holder.pid(),
                    "taking it over");
            assertThatThrownBy(() -> Runs.prepare(args, System.err)).hasMessageContaining("in use by another run (pid "
                    + ProcessHandle.current().pid());
        }
        Runs.prepare(args, System.err).close(); // released
    }

    @Test
    void anOutputDirThatCannotBeAFolderIsSaidInWords() throws IOException {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        Path recipe = TrainerFixture.recipe(dir, TrainerFixture.tsv(dir, "train.tsv", 8, 1), null, "max_steps: 1");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        assertThatThrownBy(() -> Runs.prepare(Recipe.load(recipe, List.of("training.output_dir=" + file)).training(), quiet))
                .hasMessage(file + ": output_dir is a file, not a folder; choose another output_dir");
        Path under = file.resolve("out");
        assertThatThrownBy(() -> Runs.prepare(Recipe.load(recipe, List.of("training.output_dir=" + under)).training(), quiet))
                .hasMessageStartingWith(under + ": cannot write output_dir (").hasMessageNotContaining("Exception");
    }
}
