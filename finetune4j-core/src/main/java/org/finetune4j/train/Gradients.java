package org.finetune4j.train;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * A step's gradients once its backward passes are done: made dense ({@link #densify}), then global-norm clipping as
 * torch.nn.utils.clip_grad_norm_, in two halves: the norm here, and the scaling by {@link #clipFactor} folded into
 * AdamW's own pass over the gradients ({@link AdamW#step(double, double)}).
 */
public final class Gradients {

    private Gradients() {}

    /**
     * The L2 norm over all gradients of {@code params} (0 when none has one): one read pass, no temporary; of a
     * lookup table's, the rows it may hold other than zero ({@link Parameter#gradRows}).
     */
    public static double norm(List<Parameter> params) {
        try (Autograd.Guard off = Autograd.noGrad(); Scope tmp = Scope.open()) {
            List<Tensor> grads = new ArrayList<>(params.size());
            for (Parameter p : params) {
                Tensor g = p.grad();
                if (g != null) {
                    Tensor rows = p.gradRows();
                    grads.add(rows == null ? g : g.indexSelect(0, rows));
                }
            }
            return grads.isEmpty() ? 0 : Torch.stack(Torch.foreachNorm(grads), 0).norm().item();
        }
    }

    /**
     * Makes the gradients of {@code params} dense ({@link Parameter#grad}: a lookup table's arrives sparse); call it
     * once the backward passes of a step are done, before anything reads them.
     */
    public static void densify(List<Parameter> params) {
        try (Autograd.Guard off = Autograd.noGrad(); Scope tmp = Scope.open()) {
            params.forEach(Parameter::grad);
        }
    }

    /**
     * What clipping multiplies every gradient by: min(1, maxNorm / (norm + 1e-6)); 1 when {@code maxNorm} <= 0
     * (no clipping) or the norm is NaN.
     */
    public static double clipFactor(double norm, double maxNorm) {
        double coef = maxNorm > 0 ? Math.min(1.0, maxNorm / (norm + 1e-6)) : 1;
        return coef < 1 ? coef : 1;
    }
}
