package org.finetune4j.nn;

import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Tensor;

/** RMSNorm as Llama: weight * x / sqrt(mean(x^2) + eps), computed in float32. */
public class RmsNorm extends Module {

    public final Parameter weight;
    public final double eps;

    public RmsNorm(long dim, double eps) {
        this.weight = param("weight", Init.ONES, dim);
        this.eps = eps;
    }

    public Tensor forward(Tensor x) { // [.., C]
        Tensor h = x.to(DType.F32);
        Tensor variance = h.square().mean(-1, true); // [.., 1]
        h = h.mul(variance.add(eps).rsqrt());
        return weight.valueFor(h).mul(h.to(x.dtype()));
    }
}
