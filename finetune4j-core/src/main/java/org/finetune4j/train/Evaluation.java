package org.finetune4j.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.finetune4j.distributed.World;
import org.finetune4j.model.TransformerModel;

/**
 * A task's evaluation, run by the Trainer at every evaluation and at the end: the metrics with
 * Transformers' names ({@code eval_loss}, {@code eval_accuracy}, ...), computed without gradients, a
 * scope a batch. Data-parallel, every rank evaluates its shard of the batches and the metrics are
 * those of the whole set on every rank.
 */
@FunctionalInterface
public interface Evaluation {

    Map<String, Double> evaluate(TransformerModel model, World world);

    /**
     * The evaluation at the end of training; a task may also write what the run report shows of it
     * into {@code outputDir} (classification: {@code confusion_matrix.json}; rank 0 alone writes).
     */
    default Map<String, Double> evaluateFinal(TransformerModel model, World world, Path outputDir) throws IOException {
        return evaluate(model, world);
    }
}
