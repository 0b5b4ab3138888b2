package org.finetune4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Ops;

/**
 * AdamW with torch.optim.AdamW semantics (decoupled decay applied first, bias-corrected moments,
 * eps added after the bias-corrected square root). Moments live in the optimizer's own manager.
 */
public final class AdamW implements AutoCloseable {

    /** Parameters sharing one weight decay. */
    public record Group(List<Parameter> params, double weightDecay) {}

    /** Elements per block of the update (4 MiB of float32: few enough ops, small enough to stay in cache). */
    static final long BLOCK = 1 << 20;

    private final List<Group> groups;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final NDManager state;
    private final Map<Parameter, NDArray[]> moments = new java.util.IdentityHashMap<>();
    private long step;

    public AdamW(List<Group> groups, double beta1, double beta2, double eps, NDManager parent) {
        this.groups = List.copyOf(groups);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.state = parent.newSubManager();
    }

    /**
     * Trainer's grouping: {@code weightDecay} on every trainable parameter, except biases and
     * norm weights when {@code noDecayBiasNorm}.
     */
    public static List<Group> groups(Map<String, Parameter> named, double weightDecay, boolean noDecayBiasNorm) {
        List<Parameter> decay = new ArrayList<>();
        List<Parameter> none = new ArrayList<>();
        named.forEach((name, p) -> {
            if (p.trainable()) {
                (noDecayBiasNorm && isBiasOrNorm(name) ? none : decay).add(p);
            }
        });
        List<Group> out = new ArrayList<>();
        out.add(new Group(decay, weightDecay));
        if (!none.isEmpty()) {
            out.add(new Group(none, 0.0));
        }
        return out;
    }

    /** Biases and LayerNorm/RMSNorm weights, by HF name. */
    public static boolean isBiasOrNorm(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        return name.endsWith(".bias") || n.contains("layernorm") || n.contains("layer_norm") || n.contains("norm.")
                || n.contains("ln_");
    }

    /** One update at learning rate {@code lr}; parameters without a gradient are skipped. */
    public void step(double lr) {
        step++;
        double c1 = 1 - Math.pow(beta1, step);
        double c2 = Math.sqrt(1 - Math.pow(beta2, step));
        boolean gradMode = Ops.gradMode();
        Ops.setGradMode(false);
        try (NDManager tmp = state.newSubManager()) {
            for (Group g : groups) {
                for (Parameter p : g.params()) {
                    update(p, Ops.gradient(p.data(), tmp), lr, g.weightDecay(), c1, c2, tmp);
                }
            }
        } finally {
            Ops.setGradMode(gradMode);
        }
    }

    /**
     * Updates one parameter block by block: each block of {@link #BLOCK} elements goes through all
     * the steps while it is in cache, so the optimizer reads and writes each tensor about once
     * instead of once per operation (it is memory-bound; this makes it several times faster).
     */
    private void update(Parameter p, NDArray grad, double lr, double wd, double c1, double c2, NDManager tmp) {
        NDArray w = p.data();
        NDArray[] mv = moments.computeIfAbsent(p, k -> new NDArray[] {state.zeros(w.getShape()), state.zeros(w.getShape())});
        long n = w.getShape().size();
        if (n <= BLOCK) {
            try (NDManager scope = tmp.newSubManager()) {
                grad.attach(scope);
                updateBlock(w, mv[0], mv[1], grad, lr, wd, c1, c2);
            }
            return;
        }
        try (NDManager scope = tmp.newSubManager()) {
            NDArray[] flat = {w.reshape(-1), mv[0].reshape(-1), mv[1].reshape(-1), grad.reshape(-1)};
            for (NDArray f : flat) {
                f.attach(scope);
            }
            for (long start = 0; start < n; start += BLOCK) {
                try (NDManager block = scope.newSubManager()) {
                    NDIndex range = new NDIndex(start + ":" + Math.min(n, start + BLOCK));
                    NDArray[] b = new NDArray[4];
                    for (int i = 0; i < 4; i++) {
                        b[i] = flat[i].get(range);
                        b[i].attach(block);
                    }
                    updateBlock(b[0], b[1], b[2], b[3], lr, wd, c1, c2);
                }
            }
        }
    }

    /** torch.optim.AdamW on one block: w, m, v updated in place from g; temporaries go to g's scope. */
    private void updateBlock(NDArray w, NDArray m, NDArray v, NDArray g, double lr, double wd, double c1, double c2) {
        if (wd != 0) {
            w.muli((float) (1 - lr * wd));
        }
        m.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
        v.muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
        NDArray denom = Ops.inScopeOf(g, v.sqrt()).divi((float) c2).addi((float) eps); // temporaries live with g
        w.subi(Ops.inScopeOf(g, m.div(denom)).muli((float) (lr / c1)));
    }

    /** Clears every gradient of the optimised parameters (set to none, as Trainer does). */
    public void zeroGrad() {
        for (Group g : groups) {
            for (Parameter p : g.params()) {
                p.dropGradient();
            }
        }
    }

    public long stepCount() {
        return step;
    }

    /** The moments as tensors named {@code <param>.exp_avg} / {@code <param>.exp_avg_sq}, plus the step count. */
    public List<org.finetune4j.io.TensorData> stateTensors(Map<String, Parameter> named) {
        List<org.finetune4j.io.TensorData> out = new ArrayList<>();
        named.forEach((name, p) -> {
            NDArray[] mv = moments.get(p);
            if (mv != null) {
                out.add(org.finetune4j.tensor.Tensors.fromNDArray(name + ".exp_avg", mv[0]));
                out.add(org.finetune4j.tensor.Tensors.fromNDArray(name + ".exp_avg_sq", mv[1]));
            }
        });
        return out;
    }

    /** Restores moments and step count saved by {@link #stateTensors}; unknown names are an error. */
    public void loadState(Map<String, Parameter> named, java.util.function.Function<String, NDArray> read, long steps) {
        for (Group g : groups) {
            for (Parameter p : g.params()) {
                String name = nameOf(named, p);
                NDArray m = read.apply(name + ".exp_avg");
                NDArray v = read.apply(name + ".exp_avg_sq");
                if (m != null && v != null) {
                    m.attach(state);
                    v.attach(state);
                    moments.put(p, new NDArray[] {m, v});
                }
            }
        }
        this.step = steps;
    }

    private static String nameOf(Map<String, Parameter> named, Parameter p) {
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            if (e.getValue() == p) {
                return e.getKey();
            }
        }
        throw new IllegalStateException("parameter not in the model");
    }

    @Override
    public void close() {
        state.close();
    }
}
