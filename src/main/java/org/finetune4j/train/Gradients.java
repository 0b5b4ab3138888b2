package org.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Ops;

/** Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_. */
public final class Gradients {

    private Gradients() {}

    /**
     * The L2 norm over all gradients of {@code params}; when {@code maxNorm} > 0 every gradient
     * is scaled in place by min(1, maxNorm / (norm + 1e-6)). Returns the norm before clipping.
     */
    public static double clip(List<Parameter> params, double maxNorm, NDManager scope) {
        boolean gradMode = Ops.gradMode();
        Ops.setGradMode(false);
        try (NDManager tmp = scope.newSubManager()) {
            List<NDArray> grads = new ArrayList<>(params.size());
            NDList norms = new NDList(params.size());
            for (Parameter p : params) {
                NDArray g = Ops.gradient(p.data(), tmp);
                grads.add(g);
                norms.add(g.norm()); // one read pass, no temporary
            }
            double norm = NDArrays.stack(norms).norm().getFloat();
            if (maxNorm > 0) {
                float coef = (float) Math.min(1.0, maxNorm / (norm + 1e-6));
                if (coef < 1f) {
                    grads.forEach(g -> g.muli(coef));
                }
            }
            return norm;
        } finally {
            Ops.setGradMode(gradMode);
        }
    }
}
