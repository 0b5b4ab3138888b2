package org.finetune4j.nn;

import org.finetune4j.Finetune4jException;
import org.finetune4j.tensor.F;
import org.finetune4j.tensor.Tensor;

/** The activation functions of the supported architectures, by their config.json names. */
public enum Activations {
    GELU, GELU_NEW, GELU_TANH, RELU, SILU, TANH;

    /** Parses {@code hidden_act} / {@code activation_function}; {@code where} names the file for errors. */
    public static Activations parse(String name, String where) {
        return switch (name) {
            case "gelu" -> GELU;
            case "gelu_new", "gelu_fast" -> GELU_NEW;
            case "gelu_pytorch_tanh" -> GELU_TANH;
            case "relu" -> RELU;
            case "silu", "swish" -> SILU;
            case "tanh" -> TANH;
            default -> throw new Finetune4jException(where + ": unsupported activation '" + name
                    + "' (supported: gelu, gelu_new, gelu_pytorch_tanh, relu, silu, tanh)");
        };
    }

    public Tensor apply(Tensor x) {
        return switch (this) {
            case GELU -> F.gelu(x);
            case GELU_NEW -> geluNew(x);
            case GELU_TANH -> F.geluTanh(x);
            case RELU -> F.relu(x);
            case SILU -> F.silu(x);
            case TANH -> x.tanh();
        };
    }

    /** Transformers' NewGELUActivation, op for op: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    private static Tensor geluNew(Tensor x) {
        Tensor inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2.0 / Math.PI));
        return x.mul(0.5).mul(inner.tanh().add(1.0));
    }
}
