package org.finetune4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import org.finetune4j.tensor.Autocast;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DropoutDraws;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * Runs a stack of layers, plainly or with gradient checkpointing (segment recomputation, one
 * layer a segment). Checkpointed, the forward pass runs every layer with autograd off in its own
 * scope and keeps only the layer inputs x_k; {@link Forward#backward} then walks the layers from
 * last to first: x_k becomes a fresh leaf, y_k = f_k(x_k) is recomputed with autograd on (and under
 * the forward's autocast) and back-propagated with the gradient the later layer left on its input
 * leaf, so parameter gradients accumulate exactly as in one backward pass while only one layer's
 * activations exist at a time. Dropout replays: in training every layer k runs with libtorch's
 * generator seeded to base + k (base drawn from the generator once per stack), in both paths, and a
 * recomputed layer takes a CPU step's drawn numbers ({@link DropoutDraws}) again from where its forward
 * took them, so the recomputation draws the same masks and both paths give the same gradients.
 */
public final class Layers {

    /** One layer's forward under {@code f} (a recomputation passes a Forward that captures nothing). */
    @FunctionalInterface
    public interface Step<M> {
        Tensor apply(M layer, Tensor x, Forward f);
    }

    private Layers() {}

    /** x [B, T, C] through every layer in order; with {@code f.checkpointing} in training, as recomputed segments. */
    public static <M extends Module> Tensor run(List<M> layers, Tensor x, Forward f, Step<M> step) {
        if (!f.training) { // each layer in a scope of its own: its temporaries are freed as it ends, not with the batch
            for (M layer : layers) {
                x = inSegment(f, x, in -> step.apply(layer, in, f));
            }
            return x;
        }
        long base = Torch.randomSeed();
        if (!f.checkpointing || !Autograd.enabled()) {
            for (int k = 0; k < layers.size(); k++) {
                M layer = layers.get(k);
                Torch.manualSeed(base + k);
                x = inSegment(f, x, in -> step.apply(layer, in, f)); // autograd holds what its backward needs
            }
            Torch.manualSeed(base + layers.size());
            return x;
        }
        return checkpointed(layers, x, f, step, base);
    }

    private static <M extends Module> Tensor checkpointed(List<M> layers, Tensor x, Forward f, Step<M> step, long base) {
        List<Tensor> inputs = new ArrayList<>(layers.size());
        long[] drawsAt = new long[layers.size()];
        Tensor origin = x; // may carry the embeddings' graph
        try (Autograd.Guard off = Autograd.noGrad()) {
            for (int k = 0; k < layers.size(); k++) {
                M layer = layers.get(k);
                Tensor in = x.detach(); // [B, T, C], no graph
                inputs.add(in);
                drawsAt[k] = DropoutDraws.position();
                Torch.manualSeed(base + k);
                x = inSegment(f, in, seg -> step.apply(layer, seg, f));
            }
        }
        Torch.manualSeed(base + layers.size());
        x.requiresGrad_(true); // the leaf the head's graph starts from
        Forward replay = new Forward(true, false, false);
        f.stacks.add(new Stack(x, origin, inputs, drawsAt, replay, Autocast.current(), k -> {
            Torch.manualSeed(base + k);
            return in -> step.apply(layers.get(k), in, replay);
        }));
        return x;
    }

    /**
     * Runs {@code body} on {@code in} in a scope of its own, so everything it makes is freed at its end;
     * the result and whatever {@code f} captured move to the enclosing scope.
     */
    private static Tensor inSegment(Forward f, Tensor in, UnaryOperator<Tensor> body) {
        int hidden = f.hiddenStates.size();
        int attentions = f.attentions.size();
        try (Scope seg = Scope.open()) {
            Tensor y = body.apply(in);
            f.hiddenStates.subList(hidden, f.hiddenStates.size()).forEach(seg::keep);
            f.attentions.subList(attentions, f.attentions.size()).forEach(seg::keep);
            return seg.keep(y);
        }
    }

    /**
     * A checkpointed stack awaiting its backward pass: its output leaf, its input with its graph, each
     * layer's input, the pass the recomputation runs under (training, capturing nothing) and the
     * forward's autocast dtype (null: none).
     */
    record Stack(Tensor output, Tensor origin, List<Tensor> inputs, long[] drawsAt, Forward replay, DType autocast,
            IntFunction<UnaryOperator<Tensor>> layer) {}

    /** Back-propagates {@code loss}, then recomputes each checkpointed stack of {@code f}, last first. */
    static void backward(Forward f, Tensor loss) {
        loss.backward();
        for (int s = f.stacks.size() - 1; s >= 0; s--) {
            backward(f.stacks.get(s));
        }
        f.stacks.clear();
    }

    private static void backward(Stack st) {
        Tensor g = st.output().grad(); // [B, T, C]
        if (g == null) {
            return; // the loss does not depend on this stack
        }
        for (int k = st.inputs().size() - 1; k >= 0; k--) {
            g = recompute(st, k, g);
        }
        if (st.origin().requiresGrad()) {
            st.origin().backward(g); // into the embeddings, when they train
        }
    }

    /** Layer k recomputed with autograd from a leaf copy of its input, back-propagated with g (then freed); returns the input's gradient. */
    private static Tensor recompute(Stack st, int k, Tensor g) {
        try (Scope seg = Scope.open()) {
            Tensor leaf = st.inputs().get(k).detach().requiresGrad_(true);
            Tensor y;
            try (Forward.Scope pass = st.replay().enter(); // layers that read the current pass (LoRA dropout) see training
                    Autograd.Guard cast = Autocast.of(st.autocast());
                    DropoutDraws.Replay again = DropoutDraws.replay(st.drawsAt()[k])) {
                y = st.layer().apply(k).apply(leaf); // [B, T, C]
            }
            y.backward(g);
            g.close();
            return seg.keep(leaf.grad());
        }
    }
}
