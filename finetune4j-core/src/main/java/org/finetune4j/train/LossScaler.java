package org.finetune4j.train;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * The dynamic loss scaling of fp16 training, as torch.amp.GradScaler with its defaults (Trainer's
 * {@code fp16=True}): the loss is multiplied by the scale before the backward pass, so gradients
 * too small for float16 survive it; before clipping, {@link #unscale} divides the gradients by the
 * scale and checks them; a step whose gradients hold an inf or a NaN is skipped and the scale
 * halved, and after {@link #GROWTH_INTERVAL} steps in a row without one the scale doubles.
 */
public final class LossScaler {

    public static final double INIT_SCALE = 65536;
    public static final double GROWTH_FACTOR = 2;
    public static final double BACKOFF_FACTOR = 0.5;
    public static final int GROWTH_INTERVAL = 2000;

    private double scale;
    private int growthTracker;
    private int skipped;

    /** A scaler at GradScaler's initial scale. */
    public LossScaler() {
        this(INIT_SCALE, 0, 0);
    }

    /** A scaler as a checkpoint left it: its scale, the finite steps since the scale last changed, the steps skipped. */
    public LossScaler(double scale, int growthTracker, int skipped) {
        this.scale = scale;
        this.growthTracker = growthTracker;
        this.skipped = skipped;
    }

    public double scale() {
        return scale;
    }

    public int growthTracker() {
        return growthTracker;
    }

    /** Optimizer steps skipped for non-finite gradients (the learning-rate schedule does not advance on them). */
    public int skippedSteps() {
        return skipped;
    }

    /** The loss to back-propagate: {@code loss} times the scale. */
    public Tensor scaled(Tensor loss) {
        return loss.mul(scale);
    }

    /**
     * Divides the gradients of {@code leaves} by the scale in place and tells whether every one is
     * finite (one read back to the host for all of them).
     */
    public boolean unscale(List<Tensor> leaves) {
        try (Autograd.Guard off = Autograd.noGrad(); Scope tmp = Scope.open()) {
            List<Tensor> finite = new ArrayList<>(leaves.size());
            for (Tensor leaf : leaves) {
                Tensor g = leaf.grad();
                if (g != null) {
                    g.mul_(1.0 / scale);
                    finite.add(g.isfinite().all());
                }
            }
            return finite.isEmpty() || Torch.stack(finite, 0).all().to(DType.I64).longItem() == 1;
        }
    }

    /** After a step: halves the scale and counts a skipped step when the gradients were not finite, else grows it on schedule. */
    public void update(boolean finite) {
        if (!finite) {
            scale *= BACKOFF_FACTOR;
            growthTracker = 0;
            skipped++;
        } else if (++growthTracker == GROWTH_INTERVAL) {
            scale *= GROWTH_FACTOR;
            growthTracker = 0;
        }
    }
}
