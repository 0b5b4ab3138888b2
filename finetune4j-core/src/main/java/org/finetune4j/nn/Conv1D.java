package org.finetune4j.nn;

import org.finetune4j.tensor.F;
import org.finetune4j.tensor.Tensor;

/** GPT-2's Conv1D: a linear layer whose weight is stored [in, out]; y = x W + b (+ a LoRA branch). */
public class Conv1D extends Adaptable {

    public final long in;
    public final long out;
    public final Parameter weight;
    public final Parameter bias;

    public Conv1D(long in, long out, double std) {
        this.in = in;
        this.out = out;
        this.weight = param("weight", Init.normal(std), in, out);
        this.bias = param("bias", Init.ZEROS, out);
    }

    public Tensor forward(Tensor x) { // [.., in] -> [.., out]
        Tensor b = bias.matmulValueFor(x);
        Tensor y = weight.quantized() // int8 [out, in]: dequantized for this call
                ? weight.int8().linear(x, b)
                : F.linear(x, weight.matmulValueFor(x).t(), b); // a [out, in] view, no copy
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
        return true;
    }
}
