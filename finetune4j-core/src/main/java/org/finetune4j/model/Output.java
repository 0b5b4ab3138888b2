package org.finetune4j.model;

import org.finetune4j.tensor.Tensor;

/**
 * What a head returns, each field named for what it holds and null where the head has none: {@code logits}
 * (seq-cls [B, labels], token-cls [B, T, labels], LM [B, T, V], pretraining's MLM logits), question answering's
 * {@code startLogits} and {@code endLogits} [B, T], pretraining's next-sentence logits {@code seqRelationshipLogits}
 * [B, 2] (Transformers' name), and {@code loss}, a scalar when labels were given. Logits are null when the pass was
 * {@link org.finetune4j.nn.Forward#lossOnly} and the head could do without them (a frozen causal LM head, with labels).
 */
public record Output(Tensor logits, Tensor startLogits, Tensor endLogits, Tensor seqRelationshipLogits, Tensor loss) {

    /** The output of a head with one set of logits (or none: the hidden states of a bare model) and its loss. */
    public Output(Tensor logits, Tensor loss) {
        this(logits, null, null, null, loss);
    }

    /** Question answering's output: start and end logits [B, T]. */
    public static Output spans(Tensor startLogits, Tensor endLogits, Tensor loss) {
        return new Output(null, startLogits, endLogits, null, loss);
    }

    /** BERT pretraining's output: MLM logits and next-sentence logits [B, 2]. */
    public static Output pretraining(Tensor mlmLogits, Tensor seqRelationshipLogits, Tensor loss) {
        return new Output(mlmLogits, null, null, seqRelationshipLogits, loss);
    }
}
