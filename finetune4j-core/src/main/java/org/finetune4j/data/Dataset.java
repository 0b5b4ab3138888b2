package org.finetune4j.data;

/**
 * Training examples a {@link Sampler} draws batches from, whatever the task: sequence labels,
 * token labels, answer spans or masked tokens. {@code seed} lets a task draw its per-batch
 * randomness (masking, say) as a function of the step, so a resumed run repeats itself exactly.
 */
public interface Dataset {

    /** Number of examples. */
    int size();

    /** Tokens per example, for {@link Sampler#groupedByLength}. */
    int[] lengths();

    /** The examples at {@code indices} as one batch padded with {@code padId}. */
    Batch batch(int[] indices, long padId, long seed);
}
