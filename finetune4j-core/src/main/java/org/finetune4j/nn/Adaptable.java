package org.finetune4j.nn;

import org.finetune4j.tensor.Tensor;

/**
 * A layer that computes {@code x W^T + b} ({@link Linear}, {@link Conv1D}) and can carry a
 * {@link Lora} branch: its output becomes {@code base(x) + lora.delta(x)}. LoRA injection, adapter
 * I/O and merging work on any such layer through this class; merging writes into {@link #weight}.
 */
public abstract class Adaptable extends Module {

    private Lora lora;

    /** Input features. */
    public abstract long inFeatures();

    /** Output features. */
    public abstract long outFeatures();

    /** The base weight: [out, in], or [in, out] when {@link #fanInFanOut}. */
    public abstract Parameter weight();

    /** The base bias [out], or null. */
    public abstract Parameter bias();

    /** Whether the weight is stored [in, out] (GPT-2's Conv1D; PEFT's fan_in_fan_out). */
    public abstract boolean fanInFanOut();

    /** The attached branch, or null. */
    public Lora lora() {
        return lora;
    }

    /** Attaches a branch (registered as the children lora_A and lora_B); one at a time. */
    public void attach(Lora l) {
        if (lora != null) {
            throw new IllegalStateException("a LoRA branch is already attached");
        }
        l.register(this);
        lora = l;
    }

    /** Removes the branch (its parameters leave the module tree); returns it, or null. */
    public Lora detach() {
        Lora l = lora;
        if (l != null) {
            l.unregister(this);
            lora = null;
        }
        return l;
    }

    /** The base output {@code y} of input {@code x}, with the branch's delta added when one is attached. */
    protected Tensor withLora(Tensor y, Tensor x) {
        return lora == null ? y : lora.addTo(y, x);
    }
}
