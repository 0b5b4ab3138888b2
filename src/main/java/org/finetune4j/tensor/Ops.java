package org.finetune4j.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The libtorch kernels the model code calls directly. Every result lives in the manager of the
 * first (activation) argument, never in the parameters' manager, so one step's scope frees it.
 */
public final class Ops {

    private Ops() {}

    /** {@code x W^T + b} in one fused kernel (torch.nn.functional.linear); x [.., in], w [out, in]. */
    public static NDArray linear(NDArray x, NDArray w, NDArray b) {
        return JniUtils.linear(pt(x), pt(w), b == null ? null : pt(b));
    }

    /** Rows of {@code table} [V, C] picked by integer {@code ids} [..]; result [.., C]. */
    public static NDArray embedding(NDArray ids, NDArray table) {
        NDArray out = JniUtils.embedding(pt(ids), pt(table), false);
        return inScopeOf(ids, out);
    }

    /**
     * The most bytes one temporary array should hold in a training step: under glibc's largest mmap
     * threshold (32 MiB, as the launcher sets it), so it comes from the heap and reuses its pages
     * instead of being mapped and faulted in afresh every step.
     */
    public static final long HEAP_BLOCK_BYTES = 24L << 20;

    /** LayerNorm over the last dimension with affine weight and bias (either may be null). */
    public static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, double eps) {
        long c = x.getShape().get(x.getShape().dimension() - 1);
        return JniUtils.layerNorm(pt(x), new Shape(c), weight == null ? null : pt(weight),
                bias == null ? null : pt(bias), eps);
    }

    /** Exact (erf) GELU, as torch.nn.functional.gelu. */
    public static NDArray gelu(NDArray x) {
        return JniUtils.gelu(pt(x));
    }

    /** Inverted dropout with torch's RNG; identity when not training or p = 0. */
    public static NDArray dropout(NDArray x, double p, boolean training) {
        if (!training || p <= 0) {
            return x;
        }
        return JniUtils.dropout(pt(x), p, true);
    }

    /** The accumulated gradient of a leaf, as a new handle owned by {@code scope}. */
    public static NDArray gradient(NDArray leaf, NDManager scope) {
        NDArray g = leaf.getGradient();
        g.attach(scope);
        return g;
    }

    /** Back-propagates from {@code y} with upstream gradient {@code grad} (null: ones, for a scalar loss). */
    public static void backward(NDArray y, NDArray grad) {
        NDArray g = grad != null ? grad : y.onesLike();
        JniUtils.backward(pt(y), pt(g), false, false);
        if (grad == null) {
            g.close();
        }
    }

    /**
     * Whether the leaf {@code x} requires a gradient. Only leaves: through DJL 0.36 a computed tensor
     * reports false even when autograd tracks it (and asking for its grad_fn crashes when it has none).
     */
    public static boolean requiresGrad(NDArray x) {
        return JniUtils.requiresGrad(pt(x));
    }

    /**
     * Back-propagates {@code grad} from {@code y} when autograd tracks {@code y}; does nothing when it
     * does not (DJL cannot tell beforehand, see {@link #requiresGrad}: libtorch's refusal is the answer).
     */
    public static void backwardIfTracked(NDArray y, NDArray grad) {
        try {
            backward(y, grad);
        } catch (ai.djl.engine.EngineException e) {
            if (e.getMessage() == null || !e.getMessage().contains("does not require grad")) {
                throw e;
            }
        }
    }

    /** Seeds libtorch's generator (dropout masks). */
    public static void seed(long seed) {
        JniUtils.setSeed(seed);
    }

    /** A seed drawn from libtorch's generator, in [0, 2^31); the draw advances the generator. */
    public static long randomSeed(NDManager m) {
        try (NDArray r = JniUtils.randint((ai.djl.pytorch.engine.PtNDManager) m, 0, Integer.MAX_VALUE, new Shape(1),
                ai.djl.ndarray.types.DataType.INT64, m.getDevice())) {
            return r.getLong();
        }
    }

    /** Whether autograd records operations on this thread. */
    public static boolean gradMode() {
        return JniUtils.isGradMode();
    }

    /** Turns autograd recording on or off for this thread. */
    public static void setGradMode(boolean on) {
        JniUtils.setGradMode(on);
    }

    /**
     * A 0-d tensor holding {@code v} in libtorch-owned memory. DJL's own scalars ({@code x.mul(2f)})
     * wrap a Java buffer and are closed right after the op, but autograd keeps the scalar for the
     * backward pass; once the garbage collector frees that buffer the gradient reads garbage. Every
     * number that enters a differentiable op goes through here.
     */
    public static NDArray scalar(NDArray like, double v) {
        return JniUtils.full((ai.djl.pytorch.engine.PtNDManager) like.getManager(), new Shape(), v,
                like.getDataType(), like.getDevice(), ai.djl.ndarray.types.SparseFormat.DENSE);
    }

    /** x * v, safe under autograd (see {@link #scalar}). */
    public static NDArray mul(NDArray x, double v) {
        return x.mul(scalar(x, v));
    }

    /** x / v, safe under autograd. */
    public static NDArray div(NDArray x, double v) {
        return x.div(scalar(x, v));
    }

    /** x + v, safe under autograd. */
    public static NDArray add(NDArray x, double v) {
        return x.add(scalar(x, v));
    }

    /** max(x, v) element-wise, safe under autograd. */
    public static NDArray maximum(NDArray x, double v) {
        return x.maximum(scalar(x, v));
    }

    /** Moves {@code result} into the manager of {@code like}, so a step's scope frees it. */
    public static NDArray inScopeOf(NDArray like, NDArray result) {
        if (result.getManager() != like.getManager()) {
            result.attach(like.getManager());
        }
        return result;
    }

    private static PtNDArray pt(NDArray a) {
        return (PtNDArray) a;
    }
}
