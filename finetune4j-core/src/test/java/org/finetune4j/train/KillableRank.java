package org.finetune4j.train;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.distributed.DistributedConfig;
import org.finetune4j.distributed.Rendezvous;
import org.finetune4j.distributed.World;
import org.finetune4j.recipe.Recipe;
import org.finetune4j.tensor.Scope;

/**
 * One rank of a data-parallel run in its own JVM, for the fault test: prints "step N LOSS" after each
 * step, and rank {@code args[0]} prints "STOPPED" after step {@code args[1]} and waits to be killed.
 * Arguments: stop rank, stop step, recipe, overrides (the launcher adds the rank's keys).
 */
public final class KillableRank {

    private KillableRank() {}

    public static void main(String[] args) {
        int stopRank = Integer.parseInt(args[0]);
        int stopStep = Integer.parseInt(args[1]);
        Path recipe = Path.of(args[2]);
        List<String> overrides = List.of(Arrays.copyOfRange(args, 3, args.length));
        Recipe r = Recipe.load(recipe, overrides);
        DistributedConfig d = r.distributed();
        try (World w = Rendezvous.join(d, Recipe.digest(recipe, overrides)); Scope scope = Scope.open()) {
            Trainer.Job job = r.job(System.err);
            if (w.main()) {
                Runs.prepare(r.training(), System.err); // held until the process is killed
            }
            new Trainer(job, System.err).in(w, d.bucketBytes()).onStep(KillableRun.pauseAfter(w.rank() == stopRank ? stopStep : -1))
                    .train();
        } catch (Finetune4jException | java.io.IOException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }
}
