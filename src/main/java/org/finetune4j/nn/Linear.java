package org.finetune4j.nn;

import ai.djl.ndarray.NDArray;
import org.finetune4j.tensor.Ops;

/** y = x W^T + b, with W [out, in] as torch.nn.Linear stores it. */
public class Linear extends Module {

    public final long in;
    public final long out;
    public final Parameter weight;
    public final Parameter bias;

    public Linear(long in, long out, boolean bias, double std) {
        this.in = in;
        this.out = out;
        this.weight = param("weight", Init.normal(std), out, in);
        this.bias = bias ? param("bias", Init.ZEROS, out) : null;
    }

    /** A linear layer over existing parameters (a decoder tied to the input embeddings). */
    public Linear(Parameter tiedWeight, Parameter tiedBias) {
        this.out = tiedWeight.shape().get(0);
        this.in = tiedWeight.shape().get(1);
        this.weight = tie("weight", tiedWeight);
        this.bias = tiedBias == null ? null : tie("bias", tiedBias);
    }

    public NDArray forward(NDArray x) { // [.., in] -> [.., out]
        if (weight.quantized()) {
            return weight.int8().linear(x, bias == null ? null : bias.data());
        }
        return Ops.linear(x, weight.data(), bias == null ? null : bias.data());
    }
}
