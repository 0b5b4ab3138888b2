package org.finetune4j.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.finetune4j.data.Batch;
import org.finetune4j.model.Inputs;

/** A padded Java batch as model inputs, created in the step's manager. */
public final class Batches {

    private Batches() {}

    /** Token type ids are passed only to models that take them ({@code tokenTypes}). */
    public static Inputs inputs(Batch b, boolean tokenTypes, NDManager step) {
        Inputs in = Inputs.of(matrix(b.inputIds(), step), matrix(b.attentionMask(), step));
        if (tokenTypes) {
            in = in.withTokenTypeIds(matrix(b.tokenTypeIds(), step));
        }
        if (b.labels() != null) {
            in = in.withLabels(step.create(b.labels()));
        }
        if (b.tokenLabels() != null) {
            in = in.withLabels(matrix(b.tokenLabels(), step));
        }
        if (b.nextSentenceLabels() != null) {
            in = in.withNextSentenceLabel(step.create(b.nextSentenceLabels()));
        }
        if (b.startPositions() != null) {
            in = in.withSpans(step.create(b.startPositions()), step.create(b.endPositions()));
        }
        return in;
    }

    static NDArray matrix(long[][] rows, NDManager m) {
        int t = rows.length == 0 ? 0 : rows[0].length;
        long[] flat = new long[rows.length * t];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * t, t);
        }
        return m.create(flat, new Shape(rows.length, t));
    }
}
