package org.finetune4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.tensor.Ops;

/**
 * Runs a stack of layers, plainly or with gradient checkpointing (segment recomputation, one
 * layer a segment). Checkpointed, the forward pass runs every layer with autograd off in its own
 * native-memory scope and keeps only the layer inputs x_k; {@link Forward#backward} then walks the
 * layers from last to first: x_k becomes a fresh leaf, y_k = f_k(x_k) is recomputed with autograd
 * on and back-propagated with the gradient the later layer left on its input leaf, so parameter
 * gradients accumulate exactly as in one backward pass while only one layer's activations exist
 * at a time. Dropout replays: in training every layer k runs with libtorch's generator seeded to
 * base + k (base drawn from the generator once per stack), in both paths, so the recomputation
 * draws the same masks and both paths give the same gradients.
 */
public final class Layers {

    /** One layer's forward under {@code f} (a recomputation passes a Forward that captures nothing). */
    @FunctionalInterface
    public interface Step<M> {
        NDArray apply(M layer, NDArray x, Forward f);
    }

    private Layers() {}

    /** x [B, T, C] through every layer in order; with {@code f.checkpointing} in training, as recomputed segments. */
    public static <M extends Module> NDArray run(List<M> layers, NDArray x, Forward f, Step<M> step) {
        if (!f.training) {
            for (M layer : layers) {
                x = step.apply(layer, x, f);
            }
            return x;
        }
        long base = Ops.randomSeed(x.getManager());
        if (!f.checkpointing || !Ops.gradMode()) {
            for (int k = 0; k < layers.size(); k++) {
                Ops.seed(base + k);
                x = step.apply(layers.get(k), x, f);
            }
            Ops.seed(base + layers.size());
            return x;
        }
        return checkpointed(layers, x, f, step, base);
    }

    private static <M extends Module> NDArray checkpointed(List<M> layers, NDArray x, Forward f, Step<M> step, long base) {
        NDManager scope = x.getManager();
        List<NDArray> inputs = new ArrayList<>(layers.size());
        NDArray origin = x; // may carry the embeddings' graph
        Ops.setGradMode(false);
        try {
            for (int k = 0; k < layers.size(); k++) {
                M layer = layers.get(k);
                NDArray in = x.stopGradient(); // [B, T, C], no graph
                inputs.add(in);
                Ops.seed(base + k);
                x = inSegment(scope, f, in, seg -> step.apply(layer, seg, f));
            }
        } finally {
            Ops.setGradMode(true);
        }
        Ops.seed(base + layers.size());
        x.setRequiresGradient(true); // the leaf the head's graph starts from
        Forward replay = new Forward(true, false, false);
        f.stacks.add(new Stack(x, origin, inputs, replay, k -> {
            Ops.seed(base + k);
            return in -> step.apply(layers.get(k), in, replay);
        }));
        return x;
    }

    /**
     * Runs {@code body} on a copy of {@code in} owned by a sub-scope of {@code scope}, so everything
     * it makes is freed at its end; the result and whatever {@code f} captured move to {@code scope}.
     */
    private static NDArray inSegment(NDManager scope, Forward f, NDArray in, java.util.function.UnaryOperator<NDArray> body) {
        int hidden = f.hiddenStates.size();
        int attentions = f.attentions.size();
        try (NDManager seg = scope.newSubManager()) {
            NDArray x = in.stopGradient();
            x.attach(seg);
            NDArray y = body.apply(x);
            y.attach(scope);
            f.hiddenStates.subList(hidden, f.hiddenStates.size()).forEach(a -> a.attach(scope));
            f.attentions.subList(attentions, f.attentions.size()).forEach(a -> a.attach(scope));
            return y;
        }
    }

    /**
     * A checkpointed stack awaiting its backward pass: its output leaf, its input with its graph, each
     * layer's input, and the pass the recomputation runs under (training, capturing nothing).
     */
    record Stack(NDArray output, NDArray origin, List<NDArray> inputs, Forward replay,
            java.util.function.IntFunction<java.util.function.UnaryOperator<NDArray>> layer) {}

    /** Back-propagates {@code loss}, then recomputes each checkpointed stack of {@code f}, last first. */
    static void backward(Forward f, NDArray loss) {
        Ops.backward(loss, null);
        for (int s = f.stacks.size() - 1; s >= 0; s--) {
            backward(f.stacks.get(s));
        }
        f.stacks.clear();
    }

    private static void backward(Stack st) {
        NDManager scope = st.output().getManager();
        if (!Ops.requiresGrad(st.output())) {
            return;
        }
        NDArray g = st.output().getGradient(); // [B, T, C]
        g.attach(scope);
        for (int k = st.inputs().size() - 1; k >= 0; k--) {
            g = recompute(st, k, g, scope);
        }
        Ops.backwardIfTracked(st.origin(), g); // into the embeddings, when they train
    }

    /** Layer k recomputed with autograd from a leaf copy of its input, back-propagated with g; returns the input's gradient. */
    private static NDArray recompute(Stack st, int k, NDArray g, NDManager scope) {
        try (NDManager seg = scope.newSubManager()) {
            NDArray leaf = st.inputs().get(k).stopGradient();
            leaf.attach(seg);
            g.attach(seg);
            leaf.setRequiresGradient(true);
            NDArray y;
            try (Forward.Scope pass = st.replay().enter()) { // layers that read the current pass (LoRA dropout) see training
                y = st.layer().apply(k).apply(leaf); // [B, T, C]
            }
            Ops.backward(y, g);
            return Ops.gradient(leaf, scope);
        }
    }
}
