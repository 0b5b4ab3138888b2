package org.finetune4j.nn;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * One forward pass's mode and captures: train or eval (dropout), and whether every layer hands
 * back its attention probabilities [B, heads, q, k] and hidden states [B, T, C].
 */
public final class Forward {

    public final boolean training;
    public final boolean keepAttentions;
    public final boolean keepHiddenStates;
    public final List<NDArray> attentions = new ArrayList<>();
    public final List<NDArray> hiddenStates = new ArrayList<>();

    public Forward(boolean training, boolean keepAttentions, boolean keepHiddenStates) {
        this.training = training;
        this.keepAttentions = keepAttentions;
        this.keepHiddenStates = keepHiddenStates;
    }

    public static Forward train() {
        return new Forward(true, false, false);
    }

    public static Forward eval() {
        return new Forward(false, false, false);
    }

    /** Records a hidden state when asked to. */
    public void hidden(NDArray h) {
        if (keepHiddenStates) {
            hiddenStates.add(h);
        }
    }

    /** Records attention probabilities when asked to. */
    public void attention(NDArray probs) {
        if (keepAttentions) {
            attentions.add(probs);
        }
    }

    /** Dropout in train mode only. */
    public NDArray dropout(NDArray x, double p) {
        return org.finetune4j.tensor.Ops.dropout(x, p, training);
    }
}
