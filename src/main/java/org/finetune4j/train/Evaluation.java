package org.finetune4j.train;

import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.finetune4j.model.TransformerModel;

/**
 * A task's evaluation, run by the Trainer at every evaluation and at the end: the metrics with
 * Transformers' names ({@code eval_loss}, {@code eval_accuracy}, ...), computed without gradients in
 * sub-managers of {@code manager}.
 */
@FunctionalInterface
public interface Evaluation {

    Map<String, Double> evaluate(TransformerModel model, NDManager manager);
}
