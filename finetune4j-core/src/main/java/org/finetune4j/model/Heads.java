package org.finetune4j.model;

import java.util.function.UnaryOperator;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/** The label and loss logic shared by every architecture's heads. */
final class Heads {

    private Heads() {}

    static Output sequenceClassification(Tensor logits, Inputs in, CommonConfig common) { // [B, labels]
        Tensor loss = in.labels() == null ? null
                : Losses.sequenceClassification(logits, in.labels(), common.problemType());
        return new Output(logits, loss);
    }

    static Output tokenClassification(Tensor logits, Inputs in) { // [B, T, labels]
        Tensor loss = null;
        if (in.labels() != null) {
            long labels = logits.size(2);
            loss = Losses.crossEntropy(logits.reshape(-1, labels), in.labels().reshape(-1));
        }
        return new Output(logits, loss);
    }

    /**
     * A masked-LM head, {@code decoder} taking hidden states [.., C] to logits [.., V]: on every position of
     * h [B, T, C], or, when the pass reads only the labelled positions ({@link Forward#labelledOnly}) and labels
     * are given, on those N positions only, logits [N, V] in row-major order. The loss is the same either way.
     */
    static Output maskedLm(Tensor h, Inputs in, Forward f, UnaryOperator<Tensor> decoder) {
        if (f.labelledOnly && in.labels() != null) {
            return maskedLmAtLabels(h, in, decoder);
        }
        Tensor logits = decoder.apply(h); // [B, T, V]
        Tensor loss = null;
        if (in.labels() != null) {
            long v = logits.size(2);
            loss = Losses.crossEntropy(logits.reshape(-1, v), in.labels().reshape(-1));
        }
        return new Output(logits, loss);
    }

    /** {@code decoder} at the labelled positions of h [B, T, C] only: logits [N, V], the loss over them (0 for none). */
    private static Output maskedLmAtLabels(Tensor h, Inputs in, UnaryOperator<Tensor> decoder) {
        Tensor flat = in.labels().reshape(-1);
        Tensor idx = flat.ne(Losses.IGNORE_INDEX).nonzero().squeeze(1); // [N] row-major positions
        Tensor logits = decoder.apply(h.reshape(-1, h.size(2)).indexSelect(0, idx)); // [N, V]
        Tensor loss = idx.size(0) == 0 ? logits.sum().mul(0) : Losses.crossEntropy(logits, flat.indexSelect(0, idx));
        return new Output(logits, loss);
    }

    static Output causalLm(Tensor logits, Inputs in) { // [B, T, V]
        return new Output(logits, in.labels() == null ? null : Losses.causalLm(logits, in.labels()));
    }

    /**
     * Start and end logits [B, T] from qa_outputs [B, T, 2]. As Transformers: positions are clamped to
     * [0, T], T is the ignored index (so positions past the sequence are ignored, negative ones become
     * 0), and the loss is the mean of the start and end cross-entropies. Packed rows [R, L, 2] are read back
     * one example a row [N, T] ({@link Inputs.Packed#perExample}), each example's span logits over its own
     * tokens only: past its end they are the lowest float32, which never wins and adds nothing to the softmax
     * (a padded row's pad logits do enter it, as in Transformers); half-precision logits are widened to float32
     * first (exactly), as that value overflows them.
     */
    static Output questionAnswering(Tensor qaOutputs, Inputs in) {
        Tensor logits = qaOutputs; // [B, T, 2]
        if (in.packed() != null) {
            Tensor wide = qaOutputs.dtype() == DType.F64 ? qaOutputs : qaOutputs.to(DType.F32); // [R, L, 2]
            logits = in.packed().perExample(wide, -Float.MAX_VALUE); // [N, T, 2]
        }
        Tensor start = logits.select(2, 0);
        Tensor end = logits.select(2, 1);
        Tensor loss = null;
        if (in.startPositions() != null && in.endPositions() != null) {
            long t = logits.size(1);
            loss = Losses.crossEntropy(start, outside(in.startPositions(), t))
                    .add(Losses.crossEntropy(end, outside(in.endPositions(), t)));
            loss = loss.div(2);
        }
        return Output.spans(start, end, loss);
    }

    private static Tensor outside(Tensor positions, long t) {
        Tensor p = positions.reshape(-1).to(DType.I64);
        Tensor clamped = p.clamp(0, t); // as Transformers: clamped to [0, T], and T is ignored
        return clamped.maskedFill(clamped.ge(t), Losses.IGNORE_INDEX);
    }

    /**
     * The hidden state of each row's last real token [B, C], as decoder classification heads
     * read it: the last position not equal to the pad id, or the last attended position when the
     * model has no pad token.
     */
    static Tensor lastToken(Tensor h, Inputs in, Integer padTokenId) { // [B, T, C]
        if (in.packed() != null) {
            return h.reshape(-1, h.size(2)).indexSelect(0, in.packed().lasts()); // [N, C]
        }
        long t = h.size(1);
        Tensor real = padTokenId != null ? in.inputIds().ne(padTokenId) : in.maskOrOnes().ne(0);
        Tensor idx = Torch.arange(0, t).unsqueeze(0);
        Tensor last = idx.mul(real.to(DType.I64)).argmax(1); // [B]
        long c = h.size(2);
        Tensor gatherIdx = last.reshape(-1, 1, 1).expand(h.size(0), 1, c);
        return h.gather(1, gatherIdx).squeeze(1); // [B, C]
    }
}
