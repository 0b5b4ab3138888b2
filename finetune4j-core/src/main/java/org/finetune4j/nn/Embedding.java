package org.finetune4j.nn;

import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Device;
import org.finetune4j.tensor.F;
import org.finetune4j.tensor.Tensor;

/**
 * A lookup table [num, dim]. As torch's {@code padding_idx}: HF zeroes the padding row at
 * initialisation, and the lookup never sends it a gradient. A trained table's gradient on the CPU is
 * sparse, the looked-up rows alone, and {@link Parameter#grad} makes it dense without filling the whole table.
 */
public class Embedding extends Module {

    public final Parameter weight;
    public final long paddingIdx;

    public Embedding(long num, long dim, double std, long paddingIdx) {
        this.weight = param("weight", Init.normal(std), num, dim);
        this.paddingIdx = paddingIdx;
    }

    /** Rows as float32 activations (a frozen narrower table's rows are widened after the lookup). */
    public Tensor forward(Tensor ids) { // [B, T] -> [B, T, C]
        boolean sparse = weight.trainable() && Autograd.enabled() && ids.device().kind() == Device.Kind.CPU;
        return F.embedding(ids, weight.data(), paddingIdx, sparse).to(DType.F32);
    }
}
