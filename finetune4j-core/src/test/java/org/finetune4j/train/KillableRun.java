package org.finetune4j.train;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.finetune4j.recipe.Recipe;
import org.finetune4j.tensor.Scope;

/**
 * A training run in a child JVM for the SIGKILL test: after step {@code args[1]} it prints
 * "STOPPED" and waits to be killed. Arguments: recipe, stop step, overrides...
 */
public final class KillableRun {

    private KillableRun() {}

    public static void main(String[] args) throws Exception {
        Recipe r = Recipe.load(Path.of(args[0]), List.of(Arrays.copyOfRange(args, 2, args.length)));
        int stop = Integer.parseInt(args[1]);
        try (Scope scope = Scope.open()) {
            Trainer.Job job = r.job(System.err);
            Runs.prepare(r.training(), System.err); // held until the process is killed
            new Trainer(job, System.err).onStep(pauseAfter(stop)).train();
        }
    }

    /** Prints "step N LOSS" after each step, and "STOPPED" after step {@code stop}, then waits to be killed. */
    static Trainer.StepListener pauseAfter(int stop) {
        return (step, loss) -> {
            System.out.println("step " + step + " " + loss);
            if (step == stop) {
                System.out.println("STOPPED");
                System.out.flush();
                try {
                    Thread.sleep(600_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }
}
