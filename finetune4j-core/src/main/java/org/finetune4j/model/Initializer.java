package org.finetune4j.model;

import java.util.Map;
import java.util.Random;
import org.finetune4j.nn.Embedding;
import org.finetune4j.nn.Init;
import org.finetune4j.nn.Module;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * Gives data to every parameter that has none, by its {@link Init} rule (Transformers'
 * _init_weights: normal with initializer_range, zero biases, unit norms, zero padding rows).
 * Draws come from one seeded java.util.Random, so a seed gives the same model on any machine.
 */
public final class Initializer {

    private Initializer() {}

    /** Initialises the parameters without data, in model order, from {@code seed}. */
    public static void initialiseMissing(Module model, long seed) {
        Random rng = new Random(seed);
        Map<String, Parameter> params = model.namedParameters();
        java.util.Set<Parameter> fresh = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Parameter p : params.values()) {
            if (!p.hasData()) {
                p.set(create(p.init(), p.shape(), rng));
                fresh.add(p);
            }
        }
        for (Module m : model.namedModules().values()) {
            if (m instanceof Embedding e && e.paddingIdx >= 0 && fresh.contains(e.weight)
                    && e.paddingIdx < e.weight.shape()[0]) {
                try (Autograd.Guard off = Autograd.noGrad()) {
                    e.weight.data().select(0, e.paddingIdx).zero_();
                }
            }
        }
    }

    static Tensor create(Init init, long[] shape, Random rng) {
        if (init instanceof Init.Zeros) {
            return Torch.zeros(DType.F32, shape);
        }
        if (init instanceof Init.Ones) {
            return Torch.ones(DType.F32, shape);
        }
        long count = 1;
        for (long d : shape) {
            count = Math.multiplyExact(count, d);
        }
        float[] values = new float[Math.toIntExact(count)];
        if (init instanceof Init.Normal n) {
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (rng.nextGaussian() * n.std());
            }
        } else { // kaiming-uniform with a = sqrt(5): bound 1 / sqrt(fan_in)
            double bound = 1.0 / Math.sqrt(shape[shape.length - 1]);
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
            }
        }
        return Torch.tensor(values, shape); // a copy in libtorch memory
    }
}
