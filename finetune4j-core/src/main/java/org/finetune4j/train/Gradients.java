package org.finetune4j.train;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/** Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_. */
public final class Gradients {

    private Gradients() {}

    /**
     * The L2 norm over all gradients of {@code params}; when {@code maxNorm} > 0 every gradient
     * is scaled in place by min(1, maxNorm / (norm + 1e-6)). Returns the norm before clipping.
     */
    public static double clip(List<Parameter> params, double maxNorm) {
        try (Autograd.Guard off = Autograd.noGrad(); Scope tmp = Scope.open()) {
            List<Tensor> grads = new ArrayList<>(params.size());
            List<Tensor> norms = new ArrayList<>(params.size());
            for (Parameter p : params) {
                Tensor g = p.data().grad();
                if (g != null) {
                    grads.add(g);
                    norms.add(g.norm()); // one read pass, no temporary
                }
            }
            if (norms.isEmpty()) {
                return 0;
            }
            double norm = Torch.stack(norms, 0).norm().item();
            if (maxNorm > 0) {
                double coef = Math.min(1.0, maxNorm / (norm + 1e-6));
                if (coef < 1) {
                    grads.forEach(g -> g.mul_(coef));
                }
            }
            return norm;
        }
    }
}
