package org.finetune4j.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.global.torch;
import org.finetune4j.Finetune4jException;

/**
 * Copies between Java memory and tensor storage (CPU, little-endian: libtorch's layout is then
 * exactly safetensors'). Every copy is one memcpy into or out of storage libtorch owns, so a tensor
 * never depends on a Java buffer staying reachable. Java's values are written into host memory
 * (pinned when the factories' device is a GPU) and then copied to that device, once; reading back
 * copies to the CPU first.
 */
final class Data {

    private Data() {}

    /** Host storage for Java to write ({@link Native#host}). */
    private static Tensor host(DType type, long... shape) {
        return new Tensor(torch.empty(shape, Native.host(type), new MemoryFormatOptional()));
    }

    /** {@code x} (host memory Java has written) on the factories' device: itself on the CPU, else an asynchronous copy. */
    private static Tensor placed(Tensor x) {
        Device d = Devices.current();
        if (d.kind() == Device.Kind.CPU) {
            return x;
        }
        Tensor y = new Tensor(x.t.to(d.toNative(), x.t.scalar_type(), true, false, new MemoryFormatOptional()));
        x.close(); // pinned blocks return to libtorch's host cache, which waits for the copy before reusing them
        return y;
    }

    static Tensor of(float[] v, long... shape) {
        check(v.length, shape);
        Tensor x = host(DType.F32, shape);
        if (v.length > 0) {
            x.t.data_ptr_float().put(v);
        }
        return placed(x);
    }

    static Tensor of(long[] v, long... shape) {
        check(v.length, shape);
        Tensor x = host(DType.I64, shape);
        if (v.length > 0) {
            x.t.data_ptr_long().put(v);
        }
        return placed(x);
    }

    static Tensor of(byte[] v, DType type, long... shape) {
        check(v.length / type.size(), shape);
        Tensor x = host(type, shape);
        if (v.length > 0) {
            new BytePointer(x.t.data_ptr()).capacity(v.length).put(v);
        }
        return placed(x);
    }

    /**
     * A new tensor whose bytes {@code fill} writes into a little-endian direct buffer over the tensor's own
     * host memory (so nothing is staged on the way), then placed on the factories' device.
     */
    static Tensor filled(DType type, long[] shape, java.util.function.Consumer<ByteBuffer> fill) {
        checkLittleEndian();
        long bytes = numel(shape) * type.size();
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(bytes + " bytes: a buffer holds at most 2 GiB");
        }
        Tensor x = host(type, shape);
        if (bytes > 0) {
            fill.accept(new BytePointer(x.t.data_ptr()).capacity(bytes).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
        }
        return placed(x);
    }

    /** A new tensor holding a copy of the bytes from {@code data}'s position to its limit. */
    static Tensor of(ByteBuffer data, DType type, long... shape) {
        checkLittleEndian();
        long n = numel(shape);
        if ((long) data.remaining() != n * type.size()) {
            throw new IllegalArgumentException(data.remaining() + " bytes for " + n + " elements of " + type);
        }
        Tensor x = host(type, shape);
        if (n > 0) {
            ByteBuffer src = data.isDirect() ? data.slice() : ByteBuffer.allocateDirect(data.remaining()).put(data.duplicate()).flip();
            try {
                Pointer.memcpy(x.t.data_ptr(), new BytePointer(src), src.remaining());
            } finally {
                java.lang.ref.Reference.reachabilityFence(src);
                java.lang.ref.Reference.reachabilityFence(data);
            }
        }
        return placed(x);
    }

    static float[] floats(Tensor x) {
        org.bytedeco.pytorch.Tensor c = cpuContiguous(x, DType.F32);
        float[] out = new float[Math.toIntExact(c.numel())];
        if (out.length > 0) {
            c.data_ptr_float().get(out);
        }
        return out;
    }

    static long[] longs(Tensor x) {
        org.bytedeco.pytorch.Tensor c = cpuContiguous(x, DType.I64);
        long[] out = new long[Math.toIntExact(c.numel())];
        if (out.length > 0) {
            c.data_ptr_long().get(out);
        }
        return out;
    }

    /** The raw little-endian bytes of {@code x} in its own dtype, copied into a new Java buffer. */
    static ByteBuffer bytes(Tensor x) {
        checkLittleEndian();
        org.bytedeco.pytorch.Tensor c = cpuContiguous(x, x.dtype());
        long n = c.nbytes();
        if (n > Integer.MAX_VALUE) {
            throw new Finetune4jException("a tensor of " + n + " bytes does not fit one Java buffer");
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) n).order(ByteOrder.LITTLE_ENDIAN);
        if (n > 0) {
            Pointer.memcpy(new BytePointer(out), c.data_ptr(), n);
        }
        return out;
    }

    private static org.bytedeco.pytorch.Tensor cpuContiguous(Tensor x, DType type) {
        Tensor y = x.to(Device.CPU).to(type);
        return y.t.contiguous();
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static void check(long n, long[] shape) {
        if (numel(shape) != n) {
            throw new IllegalArgumentException(n + " values for shape " + java.util.Arrays.toString(shape));
        }
    }

    static void checkLittleEndian() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new Finetune4jException("tensor bytes need a little-endian machine");
        }
    }
}
