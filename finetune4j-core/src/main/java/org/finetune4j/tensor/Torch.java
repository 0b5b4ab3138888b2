package org.finetune4j.tensor;

import java.nio.ByteBuffer;
import java.util.List;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.TensorType;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The {@code torch.*} functions: factories (on {@link Devices#current}, in the current {@link Scope}),
 * joins, and the default generator that dropout draws from.
 */
public final class Torch {

    static {
        Native.init();
    }

    private Torch() {}

    public static Tensor zeros(DType type, long... shape) {
        return new Tensor(torch.zeros(shape, Native.options(type)));
    }

    public static Tensor ones(DType type, long... shape) {
        return new Tensor(torch.ones(shape, Native.options(type)));
    }

    public static Tensor full(double value, DType type, long... shape) {
        return new Tensor(torch.full(shape, Native.scalar(value), Native.options(type)));
    }

    /** Zeros of {@code x}'s shape and dtype. */
    public static Tensor zerosLike(Tensor x) {
        return new Tensor(torch.zeros_like(x.t));
    }

    /** Ones of {@code x}'s shape and dtype. */
    public static Tensor onesLike(Tensor x) {
        return new Tensor(torch.ones_like(x.t));
    }

    /** Uninitialised storage (every element is written before it is read). */
    public static Tensor empty(DType type, long... shape) {
        return new Tensor(torch.empty(shape, Native.options(type), new org.bytedeco.pytorch.MemoryFormatOptional()));
    }

    /** start, start + 1, ..., end - 1 as int64. */
    public static Tensor arange(long start, long end) {
        return new Tensor(torch.arange(Native.scalar(start), Native.scalar(end), new ScalarTypeOptional(torch.ScalarType.Long),
                new org.bytedeco.pytorch.LayoutOptional(), new org.bytedeco.pytorch.DeviceOptional(Devices.current().toNative()),
                new org.bytedeco.pytorch.BoolOptional()));
    }

    /** A float32 tensor of {@code shape} holding a copy of {@code values} (row-major). */
    public static Tensor tensor(float[] values, long... shape) {
        return Data.of(values, shape);
    }

    /** A float32 vector holding a copy of {@code values}. */
    public static Tensor tensor(float[] values) {
        return Data.of(values, values.length);
    }

    /** An int64 tensor of {@code shape} holding a copy of {@code values} (row-major). */
    public static Tensor tensor(long[] values, long... shape) {
        return Data.of(values, shape);
    }

    /** An int64 vector holding a copy of {@code values}. */
    public static Tensor tensor(long[] values) {
        return Data.of(values, values.length);
    }

    /** Rows of equal length as an int64 matrix [rows, columns]. */
    public static Tensor tensor(long[][] rows) {
        int t = rows.length == 0 ? 0 : rows[0].length;
        long[] flat = new long[rows.length * t];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * t, t);
        }
        return Data.of(flat, rows.length, t);
    }

    /** A tensor of {@code type} and {@code shape} holding a copy of {@code bytes} (little-endian, position to limit). */
    public static Tensor fromBytes(ByteBuffer bytes, DType type, long... shape) {
        return Data.of(bytes, type, shape);
    }

    /** A tensor of {@code type} and {@code shape} holding a copy of {@code bytes} (little-endian). */
    public static Tensor fromBytes(byte[] bytes, DType type, long... shape) {
        return Data.of(bytes, type, shape);
    }

    /** The raw little-endian bytes of {@code x} in its own dtype, copied into a new direct buffer. */
    public static ByteBuffer bytes(Tensor x) {
        return Data.bytes(x);
    }

    /** Normal(0, 1) samples from the default generator. */
    public static Tensor randn(long... shape) {
        return empty(DType.F32, shape).normal_(0, 1);
    }

    /** Joins tensors along {@code d}. */
    public static Tensor cat(List<Tensor> parts, int d) {
        return new Tensor(torch.cat(vector(parts), d));
    }

    /** Stacks tensors of one shape along a new dimension {@code d}. */
    public static Tensor stack(List<Tensor> parts, int d) {
        return new Tensor(torch.stack(vector(parts), d));
    }

    /** Element-wise {@code cond ? a : b}. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return new Tensor(torch.where(cond.t, a.t, b.t));
    }

    /**
     * Gives the C heap's free pages back to the operating system (glibc's {@code malloc_trim}). The launcher's
     * malloc settings never trim on their own, so that each step reuses the last one's pages; without this, resident
     * memory would stay at the high-water mark of the largest batch so far. The pages it returns are faulted in
     * again by the next step, so callers use it seldom (the trainer: {@code Trainer.RELEASE_MEMORY_STEPS}).
     */
    public static void releaseFreeMemory() {
        org.bytedeco.javacpp.Pointer.trimMemory();
    }

    /** Seeds the default generators, the CPU's and every GPU's (dropout masks, {@link #randomSeed}). */
    public static void manualSeed(long seed) {
        torch.manual_seed(seed);
        if (Devices.current().kind() == Device.Kind.CUDA) {
            torch.cuda_manual_seed_all(seed);
        }
    }

    /** A seed drawn from the CPU's default generator, in [0, 2^31); the draw advances it. */
    public static long randomSeed() {
        org.bytedeco.pytorch.Tensor r = torch.randint(Integer.MAX_VALUE, new long[] {1},
                Native.options(DType.I64, Device.CPU));
        try {
            return r.item().toLong();
        } finally {
            r.deallocate();
        }
    }

    /**
     * {@code torch._fused_adamw_}: one AdamW step of every tensor in {@code params}, in place, each read and
     * written once (torch.optim.AdamW with {@code fused=True}, Transformers' default optimizer
     * {@code adamw_torch_fused}). {@code step} is the step number after this update, a float32 scalar on the
     * parameters' device (passed for every parameter). With {@code gradDivisor} (a float32 scalar there, or null)
     * the kernel first divides each gradient by it and writes the quotient back, in the same pass (the
     * {@code grad_scale} that GradScaler passes); it skips nothing.
     */
    public static void fusedAdamW_(List<Tensor> params, List<Tensor> grads, List<Tensor> expAvgs, List<Tensor> expAvgSqs,
            Tensor step, double lr, double beta1, double beta2, double weightDecay, double eps, Tensor gradDivisor) {
        IValueVector stack = new IValueVector(list(params), list(grads), list(expAvgs), list(expAvgSqs), list(List.of()),
                list(java.util.Collections.nCopies(params.size(), step)), new IValue(lr), new IValue(beta1), new IValue(beta2), new IValue(weightDecay),
                new IValue(eps), new IValue(false), new IValue(false), gradDivisor == null ? new IValue() : new IValue(gradDivisor.t), new IValue());
        FUSED_ADAMW.callBoxed(stack);
    }

    /** {@code torch._foreach_norm}: the L2 norm of each tensor, in one call. */
    public static List<Tensor> foreachNorm(List<Tensor> tensors) {
        IValueVector stack = new IValueVector(list(tensors), new IValue(new org.bytedeco.pytorch.Scalar(2.0)), new IValue());
        FOREACH_NORM.callBoxed(stack);
        TensorVector norms = stack.get(0).toTensorVector();
        List<Tensor> out = new java.util.ArrayList<>((int) norms.size());
        for (long i = 0; i < norms.size(); i++) {
            out.add(new Tensor(norms.get(i)));
        }
        return out;
    }

    private static final OperatorHandle FOREACH_NORM = Dispatcher.singleton().findSchemaOrThrow("aten::_foreach_norm", "Scalar")
            .retainReference();

    /** Looked up once; an extra reference keeps it alive when the scope it was made in closes. */
    private static final OperatorHandle FUSED_ADAMW = Dispatcher.singleton().findSchemaOrThrow("aten::_fused_adamw_", "")
            .retainReference();

    /** A boxed {@code Tensor[]} argument. */
    private static IValue list(List<Tensor> tensors) {
        GenericList l = new GenericList(new Type.TypePtr(TensorType.get()));
        for (Tensor t : tensors) {
            l.push_back(new IValue(t.t));
        }
        return new IValue(l);
    }

    private static TensorVector vector(List<Tensor> parts) {
        TensorVector v = new TensorVector();
        for (Tensor p : parts) {
            v.push_back(p.t);
        }
        return v;
    }
}
