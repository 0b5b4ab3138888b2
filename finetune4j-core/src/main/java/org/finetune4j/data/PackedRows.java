package org.finetune4j.data;

/**
 * A dataset whose batches are {@code examples}' batches packed ({@link Packing#pack}) into rows of
 * {@code capacity} tokens: the same examples in the same batches, so epochs, schedules and logs mean what
 * they mean unpacked. {@code causal}: the labels are causal-LM labels (the loss shifts them).
 */
public record PackedRows(Dataset examples, int capacity, boolean causal) implements Dataset {

    @Override
    public int size() {
        return examples.size();
    }

    @Override
    public int[] lengths() {
        return examples.lengths();
    }

    @Override
    public Batch batch(int[] indices, long padId, long seed) {
        return Packing.pack(examples.batch(indices, padId, seed), capacity, padId, causal);
    }
}
