package org.finetune4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * A tensor a module owns, with its expected shape and initialisation rule. Its data lives in the
 * model's manager. Tied weights are one Parameter registered under two names.
 */
public final class Parameter {

    private final long[] shape;
    private final Init init;
    private NDArray data;
    private Int8Weight int8;
    private boolean trainable = true;

    public Parameter(Init init, long... shape) {
        this.shape = shape.clone();
        this.init = init;
    }

    public Shape shape() {
        return new Shape(shape);
    }

    public Init init() {
        return init;
    }

    public NDArray data() {
        if (int8 != null) {
            throw new IllegalStateException("parameter of shape " + Arrays.toString(shape) + " is held in 8 bits; use int8()");
        }
        if (data == null) {
            throw new IllegalStateException("parameter of shape " + Arrays.toString(shape) + " has no data yet");
        }
        return data;
    }

    public boolean hasData() {
        return data != null || int8 != null;
    }

    /** Whether this is a frozen weight held as int8 ({@link #int8()}) instead of float32 data. */
    public boolean quantized() {
        return int8 != null;
    }

    /** The int8 form of a quantized weight. */
    public Int8Weight int8() {
        if (int8 == null) {
            throw new IllegalStateException("parameter of shape " + Arrays.toString(shape) + " is not quantized");
        }
        return int8;
    }

    /**
     * Holds this weight as {@code w} from now on (the float data is closed) and freezes it; {@code w}'s
     * shape is [out, in] (a Conv1D weight, stored [in, out], is quantized transposed).
     */
    public void quantize(Int8Weight w) {
        if (data != null) {
            data.close();
            data = null;
        }
        if (int8 != null) {
            int8.close();
        }
        int8 = w;
        trainable = false;
    }

    /** The value as float32 in this parameter's shape: the data itself, or the int8 form dequantized into {@code scope}. */
    public NDArray value(ai.djl.ndarray.NDManager scope) {
        return int8 != null ? int8.dequantize(scope) : data();
    }

    /** Replaces the data (closing the old array); the caller has checked the shape. */
    public void set(NDArray value) {
        if (int8 != null) {
            throw new IllegalStateException("parameter of shape " + Arrays.toString(shape) + " is held in 8 bits");
        }
        if (!value.getShape().equals(shape())) {
            throw new IllegalArgumentException("shape " + value.getShape() + " != " + shape());
        }
        if (data != null && data != value) {
            data.close();
        }
        data = value;
        data.setRequiresGradient(trainable);
    }

    /**
     * Drops the gradient, as torch's {@code zero_grad(set_to_none=True)}: the data becomes a new
     * leaf over the same storage, so the next backward hands its gradient buffers over instead of
     * adding them into a zeroed one (one pass over every gradient less per step).
     */
    public void dropGradient() {
        if (data != null && trainable) {
            NDArray fresh = data.stopGradient();
            fresh.setRequiresGradient(true);
            data.close();
            data = fresh;
        }
    }

    public boolean trainable() {
        return trainable;
    }

    /** Freezes or unfreezes; a frozen parameter gets no gradient buffer at all. */
    public void setTrainable(boolean on) {
        if (on && int8 != null) {
            throw new org.finetune4j.Finetune4jException("an 8-bit weight cannot train (load_in_8bit freezes the base; train adapters on it)");
        }
        trainable = on;
        if (data != null) {
            data.setRequiresGradient(on);
        }
    }

    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
