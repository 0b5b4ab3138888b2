package org.finetune4j.train;

import org.finetune4j.data.Batch;
import org.finetune4j.data.Packing;
import org.finetune4j.model.Inputs;
import org.finetune4j.tensor.Torch;

/** A padded (or packed) Java batch as model inputs, created in the current scope. */
public final class Batches {

    private Batches() {}

    /** Token type ids are passed only to models that take them ({@code tokenTypes}). */
    public static Inputs inputs(Batch b, boolean tokenTypes) {
        Inputs in = Inputs.of(Torch.tensor(b.inputIds()), Torch.tensor(b.attentionMask()));
        if (tokenTypes) {
            in = in.withTokenTypeIds(Torch.tensor(b.tokenTypeIds()));
        }
        if (b.labels() != null) {
            in = in.withLabels(Torch.tensor(b.labels()));
        }
        if (b.tokenLabels() != null) {
            in = in.withLabels(Torch.tensor(b.tokenLabels()));
        }
        if (b.nextSentenceLabels() != null) {
            in = in.withNextSentenceLabel(Torch.tensor(b.nextSentenceLabels()));
        }
        if (b.startPositions() != null) {
            in = in.withSpans(Torch.tensor(b.startPositions()), Torch.tensor(b.endPositions()));
        }
        Packing p = b.packing();
        if (p != null) {
            long[] rows = java.util.Arrays.stream(p.firsts()).map(i -> i / b.length()).toArray();
            in = in.withPacking(new Inputs.Packed(Torch.tensor(p.sequenceIds()), Torch.tensor(p.positions()),
                    Torch.tensor(p.firsts()), Torch.tensor(p.lasts()), Torch.tensor(rows)));
        }
        return b.member() < 0 ? in : in.forMember(b.member());
    }
}
