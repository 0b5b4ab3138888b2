package org.finetune4j.nn;

import ai.djl.ndarray.NDArray;

/** GPT-2's Conv1D: a linear layer whose weight is stored [in, out]; y = x W + b. */
public class Conv1D extends Module {

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

    public NDArray forward(NDArray x) { // [.., in] -> [.., out]
        if (weight.quantized()) { // held transposed, [out, in]
            return weight.int8().linear(x, bias.data());
        }
        return x.matMul(weight.data()).add(bias.data());
    }
}
