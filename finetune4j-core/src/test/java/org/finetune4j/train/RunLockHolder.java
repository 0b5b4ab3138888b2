package org.finetune4j.train;

import java.nio.file.Path;
import java.util.List;
import org.finetune4j.recipe.Recipe;

/** A process that takes a recipe's output_dir lock, says LOCKED, and waits to be killed. */
public final class RunLockHolder {

    private RunLockHolder() {}

    public static void main(String[] args) throws Exception {
        Recipe r = Recipe.load(Path.of(args[0]), List.of());
        Runs.prepare(r.training(), System.err);
        System.out.println("LOCKED");
        System.out.flush();
        Thread.sleep(600_000);
    }
}
