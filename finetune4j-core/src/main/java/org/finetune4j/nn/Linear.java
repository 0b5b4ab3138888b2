package org.finetune4j.nn;

import org.finetune4j.tensor.F;
import org.finetune4j.tensor.Tensor;

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
        this.out = tiedWeight.shape()[0];
        this.in = tiedWeight.shape()[1];
        this.weight = tie("weight", tiedWeight);
        this.bias = tiedBias == null ? null : tie("bias", tiedBias);
    }

    public Tensor forward(Tensor x) { // [.., in] -> [.., out]
        Tensor b = bias == null ? null : bias.matmulValueFor(x);
        Tensor y = weight.quantized() // int8 [out, in]: dequantized for this call
                ? weight.int8().linear(x, b)
                : F.linear(x, weight.matmulValueFor(x), b);
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
