package org.finetune4j.recipe;

import java.nio.file.Path;
import java.util.List;
import org.finetune4j.eval.Forgetting;

/**
 * A recipe's {@code forgetting} block: after training, measure the final model against
 * {@code before} (default: model.path) on {@code general} text and the {@code tasks} files, and write
 * {@code forgetting.json} into output_dir (see {@link Forgetting.Report#toJson}).
 */
public record ForgettingSpec(Path before, Path general, List<Path> tasks, Forgetting.Options options) {

    static ForgettingSpec read(Node f, Recipe.ModelSpec model) {
        Path before = f.has("before") ? f.model("before") : null;
        if (before == null) {
            if (model.random()) {
                throw f.error("before", "is required with model.init: random (the random start is not saved)");
            }
            before = model.path();
        }
        Path general = f.requiredInput("general");
        List<Path> tasks = f.inputs("tasks");
        Forgetting.Options d = Forgetting.Options.defaults();
        Forgetting.Options o = new Forgetting.Options(f.integer("block_size", d.blockSize()), f.integer("max_blocks", 0),
                f.string("text_column", d.textColumn()), f.string("task_text_column", d.taskTextColumn()),
                f.string("task_label_column", d.taskLabelColumn()), f.integer("batch_size", d.batchSize()),
                f.integer("seed", (int) d.seed()));
        if (o.blockSize() < 2) {
            throw f.error("block_size", "must be at least 2, got " + o.blockSize());
        }
        if (o.maxBlocks() < 0) {
            throw f.error("max_blocks", "must be 0 (all) or more, got " + o.maxBlocks());
        }
        if (o.batchSize() < 1) {
            throw f.error("batch_size", "must be at least 1, got " + o.batchSize());
        }
        f.finish();
        return new ForgettingSpec(before, general, tasks, o);
    }
}
