package org.finetune4j.nn;

import ai.djl.ndarray.NDArray;
import org.finetune4j.tensor.Ops;

/** A lookup table [num, dim]; HF zeroes the padding row at initialisation. */
public class Embedding extends Module {

    public final Parameter weight;
    public final long paddingIdx;

    public Embedding(long num, long dim, double std, long paddingIdx) {
        this.weight = param("weight", Init.normal(std), num, dim);
        this.paddingIdx = paddingIdx;
    }

    public NDArray forward(NDArray ids) { // [B, T] -> [B, T, C]
        return Ops.embedding(ids, weight.data());
    }
}
