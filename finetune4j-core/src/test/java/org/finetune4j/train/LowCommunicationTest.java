package org.finetune4j.train;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.distributed.RankThreads;
import org.finetune4j.nn.Parameter;
import org.finetune4j.recipe.Recipe;
import org.finetune4j.tensor.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The low-communication mode (distributed.sync: every_n_steps): the ranks train apart for inner_steps,
 * then end every outer step on identical weights; evaluations and checkpoints must fall on outer steps,
 * and such a run is not resumed (each rank's AdamW moments are its own).
 */
class LowCommunicationTest {

    @TempDir
    Path dir;

    private final PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

    /** Rank 0's losses; each rank's final weights go to {@code weights} (by rank) when it is given. */
    private List<Double> run(Path recipe, List<float[]> weights, String... overrides) throws Exception {
        List<List<Double>> ranks = RankThreads.run(2, w -> {
            try (Scope s = Scope.open()) {
                Recipe r = Recipe.load(recipe, List.of(overrides));
                Trainer.Job job = r.job(quiet);
                if (w.main()) {
                    Runs.prepare(r.training(), quiet).close(); // output_dir prepared, its lock released for the next run in this JVM
                }
                List<Double> losses = new ArrayList<>();
                new Trainer(job, quiet).in(w, 16 << 10).lowCommunication(2, 0.7, 0.9).onStep((step, loss) -> losses.add(loss)).train();
                if (weights != null) {
                    weights.set(w.rank(), flat(job));
                }
                return losses;
            }
        });
        return ranks.get(0);
    }

    private static float[] flat(Trainer.Job job) {
        List<Float> all = new ArrayList<>();
        for (Parameter p : job.model().namedParameters().values()) {
            for (float v : p.data().toFloatArray()) {
                all.add(v);
            }
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.get(i);
        }
        return out;
    }

    @Test
    void theRanksEndOnTheSameWeights() throws Exception {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 48, 2);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 8", "save_steps: 4", "lr_scheduler_type: constant");
        List<float[]> weights = java.util.Collections.synchronizedList(new ArrayList<>(List.of(new float[0], new float[0])));
        List<Double> full = run(recipe, weights, "training.output_dir=" + dir.resolve("a"));
        assertThat(full).hasSize(8);
        assertThat(weights.get(1)).isEqualTo(weights.get(0)).hasSizeGreaterThan(1000);

        assertThatThrownBy(() -> run(recipe, null, "training.output_dir=" + dir.resolve("a"), "training.resume_from_checkpoint=true"))
                .hasMessageContaining("does not resume from a checkpoint");
    }

    @Test
    void evaluationsAndCheckpointsMustFallOnOuterSteps() throws Exception {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 48, 2);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 8", "save_steps: 3");
        assertThatThrownBy(() -> run(recipe, null)).hasMessageContaining("distributed.inner_steps 2: eval_steps and save_steps");
    }
}
