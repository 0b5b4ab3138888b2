package org.finetune4j.train;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.finetune4j.recipe.Recipe;

/**
 * Resident memory over a long training run (not a unit test: run by scripts/rss-over-steps.sh): trains a
 * recipe (arguments: recipe, overrides...) and prints the RSS every 50 steps (on and half-way between the trainer's
 * returns of free memory, every 100 steps), the peak RSS so far, and the peak's growth after step 100.
 */
public final class RssOverSteps {

    private RssOverSteps() {}

    public static void main(String[] args) throws Exception {
        Recipe r = Recipe.load(Path.of(args[0]), List.of(Arrays.copyOfRange(args, 1, args.length)));
        Trainer.Job job = r.job(System.err);
        RunLock lock = Runs.prepare(r.training(), System.err); // held until the process exits
        long[] at100 = {0};
        new Trainer(job, System.err).onStep((step, loss) -> {
            if (step % 50 == 0) {
                long rss = Memory.rssBytes();
                long peak = Memory.peakRssBytes();
                if (step == 100) {
                    at100[0] = peak;
                }
                System.out.printf("step %d RSS %.1f MiB, peak %.1f MiB (%+.1f MiB since step 100)%n", step, rss / 1048576.0,
                        peak / 1048576.0, at100[0] == 0 ? 0 : (peak - at100[0]) / 1048576.0);
                System.out.flush();
            }
        }).train();
    }
}
