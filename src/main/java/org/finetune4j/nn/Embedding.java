package org.finetune4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.finetune4j.tensor.Ops;

/**
 * A lookup table [num, dim]. As torch's {@code padding_idx}: HF zeroes the padding row at
 * initialisation, and the lookup never sends it a gradient (a pad position's value passes through detached).
 */
public class Embedding extends Module {

    public final Parameter weight;
    public final long paddingIdx;

    public Embedding(long num, long dim, double std, long paddingIdx) {
        this.weight = param("weight", Init.normal(std), num, dim);
        this.paddingIdx = paddingIdx;
    }

    public NDArray forward(NDArray ids) { // [B, T] -> [B, T, C]
        NDArray out = Ops.embedding(ids, weight.data());
        if (paddingIdx < 0 || !weight.trainable() || !Ops.gradMode()) {
            return out;
        }
        NDArray keep = ids.neq(paddingIdx).toType(DataType.FLOAT32, false).expandDims(-1); // [B, T, 1]
        NDArray pad = ids.eq(paddingIdx).toType(DataType.FLOAT32, false).expandDims(-1);
        return out.mul(keep).add(out.stopGradient().mul(pad)); // [B, T, C]
    }
}
