package org.finetune4j.tensor;

import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.bytedeco.pytorch.global.torch;
import org.finetune4j.Finetune4jException;

/**
 * The binding's set-up and conversions, for this package only. JavaCPP's allocation checks are
 * switched off before its first pointer: by default every native object it creates reads the
 * process's resident set and, above twice the Java heap's limit, calls {@code System.gc()} and
 * sleeps 100 ms up to ten times before failing, which a model larger than the heap hits on every
 * tensor. Native memory is bounded by the step scopes instead ({@link Scope}).
 */
final class Native {

    private Native() {}

    private static volatile boolean ready;

    /** Loads libtorch once, with the thread count from {@code FINETUNE4J_THREADS} (or the property finetune4j.threads). */
    static void init() {
        if (ready) {
            return;
        }
        synchronized (Native.class) {
            if (ready) {
                return;
            }
            defaultProperty("org.bytedeco.javacpp.maxBytes", "0");
            defaultProperty("org.bytedeco.javacpp.maxPhysicalBytes", "0");
            Threads.apply(Threads.configured());
            torch.set_num_interop_threads(1);
            ready = true;
        }
    }

    private static void defaultProperty(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    static ScalarType scalarType(DType t) {
        return switch (t) {
            case F32 -> ScalarType.Float;
            case F16 -> ScalarType.Half;
            case BF16 -> ScalarType.BFloat16;
            case F64 -> ScalarType.Double;
            case I64 -> ScalarType.Long;
            case I32 -> ScalarType.Int;
            case I16 -> ScalarType.Short;
            case I8 -> ScalarType.Char;
            case U8 -> ScalarType.Byte;
            case BOOL -> ScalarType.Bool;
        };
    }

    static DType dtype(ScalarType t) {
        for (DType d : DType.values()) {
            if (scalarType(d) == t) {
                return d;
            }
        }
        throw new Finetune4jException("libtorch dtype " + t + " has no counterpart here");
    }

    /** Options for a new tensor of {@code t} on the factories' device ({@link Devices#current}). */
    static TensorOptions options(DType t) {
        return options(t, Devices.current());
    }

    static TensorOptions options(DType t, Device d) {
        TensorOptions o = new TensorOptions().dtype(new ScalarTypeOptional(scalarType(t)));
        return d.kind() == Device.Kind.CPU ? o : o.device(new DeviceOptional(d.toNative()));
    }

    /**
     * Options for host memory that Java writes and the factories' device then copies from: plain CPU
     * memory, page-locked (pinned) when that device is a GPU, so the copy runs without a staging step.
     */
    static TensorOptions host(DType t) {
        TensorOptions o = options(t, Device.CPU);
        return Devices.current().kind() == Device.Kind.CPU ? o : o.pinned_memory(new BoolOptional(true));
    }

    static ScalarTypeOptional optional(DType t) {
        return new ScalarTypeOptional(scalarType(t));
    }

    static TensorOptional optional(Tensor t) {
        return t == null ? new TensorOptional() : new TensorOptional(t.t);
    }

    static Scalar scalar(double v) {
        return new Scalar(v);
    }

    /** An integral scalar: with an integer tensor the result keeps its dtype. */
    static Scalar scalar(long v) {
        return new Scalar(v);
    }
}
