package org.finetune4j.distributed;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;

/**
 * The low-communication mode (DiLoCo, Douillard et al. 2023, arXiv 2311.08105): every rank takes
 * {@code H} local AdamW steps on its own data, then the ranks average their parameter deltas
 * (the outer gradient, start minus now) and all apply one outer step of SGD with Nesterov momentum
 * from the start: {@code b = m b + d; w = start - lr (d + m b)}. The ranks then hold identical
 * weights again, and each keeps its own AdamW moments. The deltas are summed by the same bucketed
 * all-reduce as gradients ({@link GradientSync}), once every H steps instead of every step.
 */
public final class OuterStep implements AutoCloseable {

    private final World world;
    private final GradientSync sync;
    private final double lr;
    private final double momentum;
    private final List<Tensor> start = new ArrayList<>(); // the weights every rank began the H steps from
    private final List<Tensor> buffer = new ArrayList<>(); // Nesterov momentum, per parameter

    public OuterStep(World world, GradientSync sync, double lr, double momentum) {
        this.world = world;
        this.sync = sync;
        this.lr = lr;
        this.momentum = momentum;
    }

    /** Records the weights the next H local steps start from (after the broadcast or a resume; keeps the buffers). */
    public void begin(List<Tensor> leaves) {
        start.forEach(Tensor::close);
        start.clear();
        try (Autograd.Guard off = Autograd.noGrad()) {
            for (Tensor p : leaves) {
                start.add(p.detach().clone().persist());
                if (buffer.size() < start.size()) {
                    buffer.add(null);
                }
            }
        }
    }

    /** Averages the ranks' deltas and applies the outer step to {@code leaves}, in place; every rank calls it. */
    public void apply(List<Tensor> leaves) {
        try (Scope s = Scope.open(); Autograd.Guard off = Autograd.noGrad()) {
            for (int i = 0; i < leaves.size(); i++) { // the delta rides the gradient's place through the bucketed sum
                leaves.get(i).setGrad(start.get(i).sub(leaves.get(i).detach()));
            }
            sync.sum(leaves);
            for (int i = 0; i < leaves.size(); i++) {
                Tensor p = leaves.get(i);
                Tensor d = p.grad().div_(world.size()); // [shape of p]: the mean delta
                Tensor b = buffer.get(i);
                if (b == null) {
                    b = d.clone().persist(); // torch's SGD: the first buffer is the gradient itself
                    buffer.set(i, b);
                } else {
                    b.mul_(momentum).add_(d);
                }
                p.copy_(start.get(i)).add_(d.add(b.mul(momentum)), -lr);
                start.get(i).copy_(p);
                p.dropGrad();
            }
        }
    }

    @Override
    public void close() {
        start.forEach(Tensor::close);
        start.clear();
        buffer.forEach(b -> {
            if (b != null) {
                b.close();
            }
        });
        buffer.clear();
    }
}
