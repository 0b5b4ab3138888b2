package org.finetune4j.nn;

import ai.djl.ndarray.NDArray;
import org.finetune4j.tensor.Ops;

/** y = x W^T + b, with W [out, in] as torch.nn.Linear stores it; plus a LoRA branch when one is attached. */
public class Linear extends Adaptable {

    public final long in;
    public final long out;
    public final Parameter weight;
    public final Parameter bias;

    public Linear(long in, long out, boolean bias, double std) {
        this(in, out, bias, Init.normal(std));
    }

    /** A layer whose weight is initialised by {@code init} when no file gives it. */
    public Linear(long in, long out, boolean bias, Init init) {
        this.in = in;
        this.out = out;
        this.weight = param("weight", init, out, in);
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
        NDArray y = weight.quantized() // int8 [out, in]: dequantized for this call
                ? weight.int8().linear(x, bias == null ? null : bias.data())
                : Ops.linear(x, weight.data(), bias == null ? null : bias.data());
        return withLora(y, x);
    }

    @Override
    public long inFeatures() {
        return in;
    }

    @Override
    public long outFeatures() {
        return out;
    }

    @Override
    public Parameter weight() {
        return weight;
    }

    @Override
    public Parameter bias() {
        return bias;
    }

    @Override
    public boolean fanInFanOut() {
        return false;
    }
}
