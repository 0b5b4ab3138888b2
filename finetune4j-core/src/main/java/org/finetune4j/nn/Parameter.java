package org.finetune4j.nn;

import java.util.Arrays;
import org.finetune4j.tensor.Autocast;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * A tensor a module owns, with its expected shape and initialisation rule. Its data lives outside
 * every step scope ({@link Tensor#persist}). Tied weights are one Parameter registered under two names.
 */
public final class Parameter {

    private final long[] shape;
    private final Init init;
    private Tensor data;
    private Int8Weight int8;
    private boolean trainable = true;
    /** A lookup table's dense gradient, kept between steps ({@link #grad}), the rows it may hold other than zero, and its version then. */
    private Tensor rowGrad;
    private Tensor rows;
    private long rowGradVersion;

    public Parameter(Init init, long... shape) {
        this.shape = shape.clone();
        this.init = init;
    }

    /** The shape the model expects (a copy). */
    public long[] shape() {
        return shape.clone();
    }

    public Init init() {
        return init;
    }

    public Tensor data() {
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

    /** Whether this is a frozen weight held as int8 ({@link #int8()}) instead of float data. */
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
        closeRowGrad();
    }

    /** The value in this parameter's shape and float dtype: the data itself, or the int8 form dequantized to float32 (a temporary). */
    public Tensor value() {
        return int8 != null ? int8.dequantize() : data();
    }

    /**
     * The value to compute with activations {@code x}: a narrower float weight (a frozen bfloat16 or
     * float16 one) is widened to x's dtype for this use; the parameter keeps its own dtype.
     */
    public Tensor valueFor(Tensor x) {
        Tensor v = value();
        DType t = v.dtype();
        return t == DType.F32 || t == x.dtype() ? v : v.to(x.dtype());
    }

    /** The value to multiply {@code x} by: as held under autocast (which casts matmul inputs itself), else {@link #valueFor}. */
    public Tensor matmulValueFor(Tensor x) {
        return Autocast.current() != null ? value() : valueFor(x);
    }

    /** The element type of the data (float32 for an 8-bit weight, which computes in float32). */
    public DType dtype() {
        return int8 != null ? DType.F32 : data().dtype();
    }

    /** Replaces the data (closing the old tensor); the caller has checked the shape. */
    public void set(Tensor value) {
        if (int8 != null) {
            throw new IllegalStateException("parameter of shape " + Arrays.toString(shape) + " is held in 8 bits");
        }
        if (!Arrays.equals(value.shape(), shape)) {
            throw new IllegalArgumentException("shape " + Arrays.toString(value.shape()) + " != " + Arrays.toString(shape));
        }
        if (data != null && data != value) {
            data.close();
        }
        data = value.persist();
        data.requiresGrad_(trainable);
    }

    /**
     * The gradient, dense (null when there is none). A lookup table's arrives sparse ({@link Embedding} on the CPU:
     * the rows its batches looked up); the first call after a backward writes those rows into a buffer of the
     * table's shape that this parameter keeps, which then is the gradient. The buffer is zero elsewhere: the rows
     * the last step wrote are cleared, or all of it when anything but {@link #gradScaled} scalings wrote into it
     * since (its {@link Tensor#version} tells). So no step fills a zero table of the vocabulary's size, as
     * torch's dense lookup gradient does (15.6 MB for BERT-tiny's), nor reads one for the norm ({@link #gradRows}).
     * Call it once the backward passes of a step are done: a backward after it adds in place, correctly, but
     * leaves the rows unknown.
     */
    public Tensor grad() {
        Tensor g = data().grad();
        if (g == null || !g.isSparse()) {
            return g;
        }
        g.close();
        try (Autograd.Guard off = Autograd.noGrad(); Scope tmp = Scope.open()) {
            Tensor[] summed = data.grad().coalescedRows(); // {rows [U], values [U, dim]}
            if (rowGrad == null) {
                rowGrad = Torch.zerosLike(data).persist();
            } else if (rows != null && rowGrad.version() == rowGradVersion) {
                rowGrad.indexFill_(0, rows, 0);
            } else {
                rowGrad.zero_();
            }
            if (rows != null) {
                rows.close();
            }
            rows = summed[0].persist();
            rowGrad.indexCopy_(0, rows, summed[1]);
            rowGradVersion = rowGrad.version();
            data.setGrad(rowGrad);
        }
        return data.grad();
    }

    /**
     * The rows of a lookup table's gradient ({@link #grad}) that may be other than zero, distinct [U]; null when
     * any may be (a dense gradient, or one written since by more than scalings).
     */
    public Tensor gradRows() {
        Tensor g = data == null ? null : data.grad();
        return g != null && rowGrad != null && g.isSame(rowGrad) && rowGrad.version() == rowGradVersion ? rows : null;
    }

    /**
     * Tells that the gradient was just multiplied in place, once (AdamW's fused pass divides it by the clipping
     * factor): zeros stayed zero, so {@link #gradRows} stay known.
     */
    public void gradScaled() {
        if (rowGrad != null && rowGrad.version() == rowGradVersion + 1) {
            rowGradVersion++;
        }
    }

    /** Drops the gradient, as torch's {@code zero_grad(set_to_none=True)}: the next backward hands its buffers over. */
    public void dropGradient() {
        if (data != null && trainable) {
            data.dropGrad();
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
            data.requiresGrad_(on);
            if (!on) {
                data.dropGrad();
                closeRowGrad();
            }
        }
    }

    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private void closeRowGrad() {
        if (rowGrad != null) {
            rowGrad.close();
            if (rows != null) {
                rows.close();
            }
            rowGrad = null;
            rows = null;
        }
    }

    /** Frees the data now (the model is no longer used). */
    public void close() {
        closeRowGrad();
        if (data != null) {
            data.close();
            data = null;
        }
        if (int8 != null) {
            int8.close();
            int8 = null;
        }
    }
}
