package org.finetune4j.nn;

import org.finetune4j.tensor.F;
import org.finetune4j.tensor.Tensor;

/**
 * A LoRA branch (Hu et al. 2021, PEFT's {@code LoraLayer}): {@code delta(x) = scaling * B(A(dropout(x)))}
 * with {@code lora_A} [r, in] and {@code lora_B} [out, r] as bias-free linear layers, so the
 * parameter names under the host layer are PEFT's without the adapter name
 * ({@code q_proj.lora_A.weight}). It is attached to a frozen {@link Adaptable} layer (Linear,
 * Conv1D, or any layer that implements the interface over another weight format), which adds the
 * delta to its own output. Dropout follows the thread's current pass ({@link Forward#training}).
 */
public final class Lora extends Module {

    public final int r;
    public final double scaling;
    public final double dropout;
    public final Linear loraA;
    public final Linear loraB;
    private boolean merged;

    /** A branch for a layer {@code in -> out}; {@code initA} / {@code initB} are used where no adapter file gives the data. */
    public Lora(long in, long out, int r, double scaling, double dropout, Init initA, Init initB) {
        this.r = r;
        this.scaling = scaling;
        this.dropout = dropout;
        this.loraA = new Linear(in, r, false, initA);
        this.loraB = new Linear(r, out, false, initB);
    }

    /** Whether the delta is folded into the host's weight (the host then adds nothing). */
    public boolean merged() {
        return merged;
    }

    /** The host's output plus the delta, or the output alone when merged. */
    public Tensor addTo(Tensor y, Tensor x) {
        return merged ? y : y.add(delta(x));
    }

    /** Folds the delta into the host's weight in place (call without gradient recording). */
    public void merge(Adaptable host) {
        if (!merged) {
            try (Tensor d = weightDelta(host.fanInFanOut())) {
                host.weight().data().add_(d.to(host.weight().dtype()));
            }
            merged = true;
        }
    }

    /** Takes the delta out of the host's weight again. */
    public void unmerge(Adaptable host) {
        if (merged) {
            try (Tensor d = weightDelta(host.fanInFanOut())) {
                host.weight().data().sub_(d.to(host.weight().dtype()));
            }
            merged = false;
        }
    }

    /** scaling * B(A(dropout(x))): [.., in] -> [.., out]. */
    public Tensor delta(Tensor x) {
        Tensor h = F.dropout(x, dropout, Forward.currentTrains());
        return loraB.forward(loraA.forward(h)).mul(scaling);
    }

    /** The merged weight delta scaling * B A, [out, in] (transposed for a layer that stores [in, out]). */
    public Tensor weightDelta(boolean transposed) {
        Tensor d = loraB.weight.data().matmul(loraA.weight.data()).mul(scaling); // [out, in]
        return transposed ? d.t() : d;
    }

    /** Registered under its host as PEFT names them. */
    void register(Module host) {
        host.add("lora_A", loraA);
        host.add("lora_B", loraB);
    }

    void unregister(Module host) {
        host.removeChild("lora_A");
        host.removeChild("lora_B");
    }
}
