package org.finetune4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A training run with no thread count given takes one thread for small batches, and a given count as given. */
class TrainingThreadsTest {

    @TempDir
    Path dir;

    @Test
    void smallBatchesTrainOnOneThreadUnlessACountIsGiven() throws Exception {
        assumeTrue(Runtime.getRuntime().availableProcessors() > 1, "one core: nothing to narrow");
        Path train = TrainerFixture.tsv(dir, "train.tsv", 8, 1);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 1", "save_strategy: 'no'");
        String chosen = train(recipe, null, "a");
        assertThat(chosen).contains("threads: 1 of " + Runtime.getRuntime().availableProcessors() + " between products (");
        assertThat(train(recipe, "2", "b")).doesNotContain("threads: ");
    }

    /** The CLI's output of {@code train} in a child process whose FINETUNE4J_THREADS is {@code threads} (null: unset). */
    private String train(Path recipe, String threads, String out) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), "org.finetune4j.cli.Main", "train",
                recipe.toString(), "training.output_dir=" + dir.resolve(out)).redirectErrorStream(true);
        pb.environment().remove("FINETUNE4J_THREADS");
        if (threads != null) {
            pb.environment().put("FINETUNE4J_THREADS", threads);
        }
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(text).isZero();
        return text;
    }
}
