package org.finetune4j.nn;

/**
 * A layer that computes {@code x W^T + b} and can carry a {@link Lora} branch: its output becomes
 * {@code base(x) + lora.delta(x)}. Implemented by {@link Linear} and {@link Conv1D}; a layer that
 * holds its frozen weight in another format (int8 with scales) implements it too, and LoRA
 * injection, adapter I/O and merging work on it unchanged as long as {@link #weight} is the
 * float weight (merging writes into it).
 */
public interface Adaptable {

    /** Input features. */
    long inFeatures();

    /** Output features. */
    long outFeatures();

    /** The base weight: [out, in], or [in, out] when {@link #fanInFanOut}. */
    Parameter weight();

    /** The base bias [out], or null. */
    Parameter bias();

    /** Whether the weight is stored [in, out] (GPT-2's Conv1D; PEFT's fan_in_fan_out). */
    boolean fanInFanOut();

    /** The attached branch, or null. */
    Lora lora();

    /** Attaches a branch (registered as the children lora_A and lora_B); one at a time. */
    void attach(Lora lora);

    /** Removes the branch (its parameters leave the module tree); returns it, or null. */
    Lora detach();
}
