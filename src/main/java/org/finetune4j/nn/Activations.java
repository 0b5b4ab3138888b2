package org.finetune4j.nn;

import ai.djl.ndarray.NDArray;
import org.finetune4j.Finetune4jException;
import org.finetune4j.tensor.Ops;

/** The activation functions of the supported architectures, by their config.json names. */
public enum Activations {
    GELU, GELU_NEW, RELU, SILU, TANH;

    /** Parses {@code hidden_act} / {@code activation_function}; {@code where} names the file for errors. */
    public static Activations parse(String name, String where) {
        return switch (name) {
            case "gelu" -> GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_NEW;
            case "relu" -> RELU;
            case "silu", "swish" -> SILU;
            case "tanh" -> TANH;
            default -> throw new Finetune4jException(where + ": unsupported activation '" + name
                    + "' (supported: gelu, gelu_new, gelu_pytorch_tanh, relu, silu, tanh)");
        };
    }

    public NDArray apply(NDArray x) {
        return switch (this) {
            case GELU -> Ops.gelu(x);
            case GELU_NEW -> geluTanh(x);
            case RELU -> Ops.maximum(x, 0);
            case SILU -> x.mul(ai.djl.nn.Activation.sigmoid(x));
            case TANH -> x.tanh();
        };
    }

    private static NDArray geluTanh(NDArray x) {
        // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        // x * x * x is what torch.pow(x, 3.0) computes; a pow with a tensor exponent is several times slower, backward too
        NDArray inner = Ops.mul(x.add(Ops.mul(x.mul(x).mul(x), 0.044715)), Math.sqrt(2.0 / Math.PI));
        return Ops.mul(x.mul(Ops.add(inner.tanh(), 1)), 0.5);
    }
}
