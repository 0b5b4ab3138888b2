package org.finetune4j.model;

import org.finetune4j.tensor.Tensor;

/**
 * What a head returns: {@code logits} (seq-cls [B, labels], token-cls [B, T, labels], LM [B, T, V],
 * QA start [B, T]); {@code aux} is QA's end logits [B, T] or pretraining's NSP logits [B, 2];
 * {@code loss} a scalar when labels were given. Logits are null when the pass was
 * {@link org.finetune4j.nn.Forward#lossOnly} and the head could do without them (a frozen causal LM head, with labels).
 */
public record Output(Tensor logits, Tensor aux, Tensor loss) {

    /** Question answering's start logits [B, T]. */
    public Tensor startLogits() {
        return logits;
    }

    /** Question answering's end logits [B, T]. */
    public Tensor endLogits() {
        return aux;
    }

    /** BERT pretraining's next-sentence logits [B, 2] (Transformers' seq_relationship_logits). */
    public Tensor seqRelationshipLogits() {
        return aux;
    }
}
