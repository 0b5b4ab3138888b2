package org.finetune4j.model;

import java.util.EnumSet;
import java.util.Set;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Linear;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Tensor;

/**
 * The heads the decoder families share: {@code lm_head} (tied to the token embeddings when the
 * config says so) for causal LM, {@code score} without bias on each row's last real token for
 * sequence classification, or the backbone's hidden states.
 */
abstract class DecoderModel extends TransformerModel {

    private Linear out;

    DecoderModel(ModelConfig config, Head head) {
        super(config, head);
    }

    /** The backbone's last hidden states [B, T, C]. */
    abstract Tensor hidden(Inputs in, Forward f);

    /** Registers the head after the backbone; {@code dim} is the width of the hidden states. */
    final void addHead(Parameter tokenEmbeddings, long dim) {
        double std = config.common().initializerRange();
        out = switch (head) {
            case CAUSAL_LM -> add("lm_head", config.common().tieWordEmbeddings()
                    ? new Linear(tokenEmbeddings, null)
                    : new Linear(dim, config.vocabSize(), false, std));
            case SEQUENCE_CLASSIFICATION -> add("score", new Linear(dim, config.common().numLabels(), false, std));
            default -> null;
        };
    }

    @Override
    public final Set<Head> heads() {
        return EnumSet.of(Head.BASE, Head.CAUSAL_LM, Head.SEQUENCE_CLASSIFICATION);
    }

    @Override
    protected final Output compute(Inputs in, Forward f) {
        Tensor h = hidden(in, f); // [B, T, C]
        return switch (head) {
            // in row chunks only under a frozen head: a trained one would get its weight's gradient made once per chunk
            case CAUSAL_LM -> f.lossOnly && in.labels() != null && !out.weight().trainable()
                    ? new Output(null, Losses.causalLm(h, out::forward, out.outFeatures(), in.labels()))
                    : Heads.causalLm(out.forward(h), in);
            case SEQUENCE_CLASSIFICATION -> Heads.sequenceClassification(
                    out.forward(Heads.lastToken(h, in, config.common().padTokenId())), in, config.common());
            default -> new Output(h, null);
        };
    }
}
