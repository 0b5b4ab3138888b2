package org.finetune4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.Random;
import org.finetune4j.nn.Embedding;
import org.finetune4j.nn.Init;
import org.finetune4j.nn.Module;
import org.finetune4j.nn.Parameter;

/**
 * Gives data to every parameter that has none, by its {@link Init} rule (Transformers'
 * _init_weights: normal with initializer_range, zero biases, unit norms, zero padding rows).
 * Draws come from one seeded java.util.Random, so a seed gives the same model on any machine.
 */
public final class Initializer {

    private Initializer() {}

    /** Initialises the parameters without data, in model order, from {@code seed}. */
    public static void initialiseMissing(Module model, NDManager manager, long seed) {
        Random rng = new Random(seed);
        Map<String, Parameter> params = model.namedParameters();
        java.util.Set<Parameter> fresh = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Parameter p : params.values()) {
            if (!p.hasData()) {
                p.set(create(manager, p.init(), p.shape(), rng));
                fresh.add(p);
            }
        }
        for (Module m : model.namedModules().values()) {
            if (m instanceof Embedding e && e.paddingIdx >= 0 && fresh.contains(e.weight)
                    && e.paddingIdx < e.weight.shape().get(0)) {
                e.weight.data().set(new NDIndex(e.paddingIdx), 0f);
            }
        }
    }

    static NDArray create(NDManager m, Init init, Shape shape, Random rng) {
        if (init instanceof Init.Zeros) {
            return m.zeros(shape, DataType.FLOAT32);
        }
        if (init instanceof Init.Ones) {
            return m.ones(shape, DataType.FLOAT32);
        }
        float[] values = new float[Math.toIntExact(shape.size())];
        if (init instanceof Init.Normal n) {
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (rng.nextGaussian() * n.std());
            }
        } else { // kaiming-uniform with a = sqrt(5): bound 1 / sqrt(fan_in)
            double bound = 1.0 / Math.sqrt(shape.get(shape.dimension() - 1));
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
            }
        }
        // DJL wraps a Java-side buffer for create(float[]); clone into libtorch-owned memory so the
        // parameter's storage never depends on that wrapper staying reachable
        try (NDArray wrapped = m.create(values, shape)) {
            return wrapped.duplicate();
        }
    }
}
