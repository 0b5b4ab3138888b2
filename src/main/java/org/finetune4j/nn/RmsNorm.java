package org.finetune4j.nn;

import ai.djl.ndarray.NDArray;
import org.finetune4j.tensor.Ops;

/** RMSNorm as Llama: x / sqrt(mean(x^2) + eps) * weight, computed in float32. */
public class RmsNorm extends Module {

    public final Parameter weight;
    public final double eps;

    public RmsNorm(long dim, double eps) {
        this.weight = param("weight", Init.ONES, dim);
        this.eps = eps;
    }

    public NDArray forward(NDArray x) { // [.., C]
        NDArray variance = x.square().mean(new int[] {-1}, true); // [.., 1]
        NDArray root = Ops.add(variance, eps).sqrt();
        return x.mul(Ops.scalar(root, 1).div(root)).mul(weight.data()); // 1 / sqrt as torch.rsqrt: exact in every kernel, unlike pow
    }
}
