package org.finetune4j.train;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.finetune4j.io.TensorData;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Tensors;
import org.finetune4j.tensor.Torch;

/**
 * AdamW as torch.optim.AdamW(fused=True) computes it, Transformers' default optimizer ({@code adamw_torch_fused}):
 * libtorch's fused kernel updates each tensor in one pass (decoupled decay first, moments by lerp and a
 * multiply-add, eps added after the bias-corrected square root), the single-tensor loop's arithmetic up to
 * rounding. It updates float32 master weights: a
 * trainable parameter held narrower (a bfloat16 checkpoint) is widened when the optimizer is made.
 * Moments live outside every scope and are freed by {@link #close}.
 */
public final class AdamW implements AutoCloseable {

    /** Parameters sharing one weight decay. */
    public record Group(List<Parameter> params, double weightDecay) {}

    private final List<Group> groups;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final Map<Parameter, Tensor[]> moments = new IdentityHashMap<>();
    private long step;

    public AdamW(List<Group> groups, double beta1, double beta2, double eps) {
        this.groups = List.copyOf(groups);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        try (Autograd.Guard off = Autograd.noGrad()) {
            for (Group g : groups) {
                for (Parameter p : g.params()) {
                    if (p.data().dtype() != DType.F32) {
                        p.set(p.data().to(DType.F32));
                    }
                }
            }
        }
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

    /**
     * One update at learning rate {@code lr}, each group in one fused pass over its tensors
     * ({@link Torch#fusedAdamW_}); parameters without a gradient are skipped.
     */
    public void step(double lr) {
        step(lr, 1);
    }

    /**
     * As {@link #step(double)}, every gradient first multiplied by {@code gradFactor} (clipping's, {@link
     * Gradients#clipFactor}) in the same pass, and left so: the fused kernel divides by {@code 1 / gradFactor},
     * so the gradients equal clip_grad_norm_'s product up to float32 rounding, without a pass of their own.
     */
    public void step(double lr, double gradFactor) {
        step++;
        try (Autograd.Guard off = Autograd.noGrad(); Scope tmp = Scope.open()) {
            for (Group g : groups) {
                List<Tensor> w = new ArrayList<>();
                List<Tensor> grads = new ArrayList<>();
                List<Tensor> m = new ArrayList<>();
                List<Tensor> v = new ArrayList<>();
                for (Parameter p : g.params()) {
                    Tensor grad = p.grad();
                    if (grad != null) {
                        Tensor[] mv = moments.computeIfAbsent(p, k -> new Tensor[] {
                            Torch.zerosLike(p.data()).persist(), Torch.zerosLike(p.data()).persist()});
                        w.add(p.data());
                        grads.add(grad);
                        m.add(mv[0]);
                        v.add(mv[1]);
                    }
                }
                if (!w.isEmpty()) {
                    Tensor count = Torch.full(step, DType.F32).to(w.get(0).device());
                    Tensor divisor = gradFactor == 1 ? null : Torch.full(1 / gradFactor, DType.F32).to(w.get(0).device());
                    Torch.fusedAdamW_(w, grads, m, v, count, lr, beta1, beta2, g.weightDecay(), eps, divisor);
                    for (Parameter p : g.params()) {
                        p.gradScaled(); // the kernel writes each gradient back, divided by the divisor (or not)
                    }
                }
            }
        }
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

    /**
     * The moments as tensors named {@code <param>.exp_avg} / {@code <param>.exp_avg_sq}; with {@code masters},
     * also the float32 master weights as {@code <param>.master} (the model's own file then holds them
     * rounded to a narrower dtype, which a resumed run must not start from).
     */
    public List<TensorData> stateTensors(Map<String, Parameter> named, boolean masters) {
        List<TensorData> out = new ArrayList<>();
        named.forEach((name, p) -> {
            Tensor[] mv = moments.get(p);
            if (mv != null) {
                out.add(Tensors.fromTensor(name + ".exp_avg", mv[0]));
                out.add(Tensors.fromTensor(name + ".exp_avg_sq", mv[1]));
                if (masters) {
                    out.add(Tensors.fromTensor(name + ".master", p.data()));
                }
            }
        });
        return out;
    }

    /** Restores moments and step count saved by {@link #stateTensors}; unknown names are an error. */
    public void loadState(Map<String, Parameter> named, Function<String, Tensor> read, long steps) {
        for (Group g : groups) {
            for (Parameter p : g.params()) {
                String name = nameOf(named, p);
                Tensor m = read.apply(name + ".exp_avg");
                Tensor v = read.apply(name + ".exp_avg_sq");
                if (m != null && v != null) {
                    close(moments.put(p, new Tensor[] {m.to(DType.F32).persist(), v.to(DType.F32).persist()}));
                }
                Tensor master = read.apply(name + ".master");
                if (master != null) {
                    try (Autograd.Guard off = Autograd.noGrad()) {
                        p.set(master.to(DType.F32));
                    }
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

    private static void close(Tensor[] mv) {
        if (mv != null) {
            mv[0].close();
            mv[1].close();
        }
    }

    @Override
    public void close() {
        moments.values().forEach(AdamW::close);
        moments.clear();
    }
}
