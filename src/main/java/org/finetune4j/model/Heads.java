package org.finetune4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.finetune4j.tensor.Ops;

/** The label and loss logic shared by every architecture's heads. */
final class Heads {

    private Heads() {}

    static Output sequenceClassification(NDArray logits, Inputs in, CommonConfig common) { // [B, labels]
        NDArray loss = in.labels() == null ? null
                : Losses.sequenceClassification(logits, in.labels(), common.problemType());
        return new Output(logits, null, loss);
    }

    static Output tokenClassification(NDArray logits, Inputs in) { // [B, T, labels]
        NDArray loss = null;
        if (in.labels() != null) {
            long labels = logits.getShape().get(2);
            loss = Losses.crossEntropy(logits.reshape(-1, labels), in.labels().reshape(-1));
        }
        return new Output(logits, null, loss);
    }

    static Output maskedLm(NDArray logits, Inputs in) { // [B, T, V]
        NDArray loss = null;
        if (in.labels() != null) {
            long v = logits.getShape().get(2);
            loss = Losses.crossEntropy(logits.reshape(-1, v), in.labels().reshape(-1));
        }
        return new Output(logits, null, loss);
    }

    static Output causalLm(NDArray logits, Inputs in) { // [B, T, V]
        return new Output(logits, null, in.labels() == null ? null : Losses.causalLm(logits, in.labels()));
    }

    /**
     * Start and end logits [B, T] from qa_outputs [B, T, 2]. As Transformers: positions are clamped to
     * [0, T], T is the ignored index (so positions past the sequence are ignored, negative ones become
     * 0), and the loss is the mean of the start and end cross-entropies.
     */
    static Output questionAnswering(NDArray logits, Inputs in) {
        NDArray start = logits.get(":, :, 0");
        NDArray end = logits.get(":, :, 1");
        NDArray loss = null;
        if (in.startPositions() != null && in.endPositions() != null) {
            long t = logits.getShape().get(1);
            loss = Losses.crossEntropy(start, outside(in.startPositions(), t))
                    .add(Losses.crossEntropy(end, outside(in.endPositions(), t)));
            loss = Ops.div(loss, 2);
        }
        return new Output(start, end, loss);
    }

    private static NDArray outside(NDArray positions, long t) {
        NDArray p = positions.reshape(-1).toType(DataType.INT64, false);
        NDArray clamped = ai.djl.ndarray.NDArrays.where(p.lt(0), p.zerosLike(), p);
        return ai.djl.ndarray.NDArrays.where(clamped.gte(t), p.onesLike().mul(Losses.IGNORE_INDEX), clamped);
    }

    /**
     * The hidden state of each row's last real token [B, C], as decoder classification heads
     * read it: the last position not equal to the pad id, or the last attended position when the
     * model has no pad token.
     */
    static NDArray lastToken(NDArray h, Inputs in, Integer padTokenId) { // [B, T, C]
        long t = h.getShape().get(1);
        NDArray real = padTokenId != null ? in.inputIds().neq(padTokenId) : in.maskOrOnes().neq(0);
        NDArray idx = h.getManager().arange(0, (int) t).toType(DataType.INT64, false).expandDims(0);
        NDArray last = idx.mul(real.toType(DataType.INT64, false)).argMax(1); // [B]
        long c = h.getShape().get(2);
        NDArray gatherIdx = last.reshape(-1, 1, 1).broadcast(h.getShape().get(0), 1, c);
        return h.gather(gatherIdx, 1).squeeze(1); // [B, C]
    }
}
