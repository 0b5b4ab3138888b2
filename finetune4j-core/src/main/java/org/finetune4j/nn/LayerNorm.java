package org.finetune4j.nn;

import org.finetune4j.tensor.F;
import org.finetune4j.tensor.Tensor;

/** LayerNorm over the last dimension; weight starts at one, bias at zero. */
public class LayerNorm extends Module {

    public final Parameter weight;
    public final Parameter bias;
    public final double eps;

    public LayerNorm(long dim, double eps) {
        this(dim, eps, true);
    }

    public LayerNorm(long dim, double eps, boolean affine) {
        this.weight = affine ? param("weight", Init.ONES, dim) : null;
        this.bias = affine ? param("bias", Init.ZEROS, dim) : null;
        this.eps = eps;
    }

    public Tensor forward(Tensor x) {
        return F.layerNorm(x, weight == null ? null : weight.valueFor(x), bias == null ? null : bias.valueFor(x), eps);
    }
}
