package org.finetune4j.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.DType;
import org.finetune4j.io.TensorData;
import org.finetune4j.io.TensorInfo;

/**
 * Moves tensors between safetensors bytes and DJL NDArrays. Assumes a little-endian machine,
 * as libtorch's CPU tensors are then laid out exactly as safetensors stores them. DJL 0.36's
 * PyTorch JNI aborts the whole process on BFLOAT16 and INT16 arrays (even zeros or toType), so
 * BF16 loads widened to FLOAT32 and I16 to INT32; both widenings are exact.
 */
public final class Tensors {

    private Tensors() {}

    /**
     * A new array in {@code m} holding a copy of {@code data} (the bytes of {@code info}). The
     * copy lives in libtorch memory: the array stays valid when the file is closed or changed.
     */
    public static NDArray toNDArray(NDManager m, TensorInfo info, ByteBuffer data) {
        checkLittleEndian();
        if (data.remaining() != info.byteCount()) {
            throw new Finetune4jException("tensor '" + info.name() + "' has " + data.remaining()
                    + " bytes but " + info + " needs " + info.byteCount());
        }
        boolean widened = info.dtype() == DType.BF16 || info.dtype() == DType.I16;
        if (widened && info.byteCount() > Integer.MAX_VALUE / 2) {
            throw new Finetune4jException("tensor '" + info.name() + "' of " + info.dtype()
                    + " is over 1 GiB and cannot be widened to 32 bits in one buffer");
        }
        Shape shape = new Shape(info.shape());
        DataType type = dataType(info.dtype());
        if (info.numel() == 0) {
            return m.zeros(shape, type);
        }
        // DJL wraps a direct buffer without copying (torch.from_blob at the buffer's address,
        // ignoring its position), so hand it a position-0 direct view and clone in libtorch.
        ByteBuffer view = switch (info.dtype()) {
            case BF16 -> widen(data, true);
            case I16 -> widen(data, false);
            default -> data.isDirect() ? data.slice() : copyToDirect(data);
        };
        try (NDArray alias = m.create(view, shape, type)) {
            return alias.duplicate();
        } finally {
            // libtorch reads the buffer during the clone: keep it (and so the file mapping) reachable
            java.lang.ref.Reference.reachabilityFence(view);
            java.lang.ref.Reference.reachabilityFence(data);
        }
    }

    /** The bytes of {@code a} (copied out of libtorch, little-endian) as a tensor to write. */
    public static TensorData fromNDArray(String name, NDArray a) {
        checkLittleEndian();
        ByteBuffer bytes = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        return new TensorData(name, dtype(a.getDataType(), name), a.getShape().getShape(), bytes);
    }

    /** The DJL type {@link #toNDArray} gives a tensor of dtype {@code t}. */
    public static DataType dataType(DType t) {
        return switch (t) {
            case F32, BF16 -> DataType.FLOAT32;
            case F16 -> DataType.FLOAT16;
            case F64 -> DataType.FLOAT64;
            case I64 -> DataType.INT64;
            case I32, I16 -> DataType.INT32;
            case I8 -> DataType.INT8;
            case U8 -> DataType.UINT8;
            case BOOL -> DataType.BOOLEAN;
        };
    }

    /** The safetensors dtype of DJL type {@code t}; an error naming the tensor if there is none. */
    public static DType dtype(DataType t, String name) {
        return switch (t) {
            case FLOAT32 -> DType.F32;
            case FLOAT16 -> DType.F16;
            case BFLOAT16 -> DType.BF16;
            case FLOAT64 -> DType.F64;
            case INT64 -> DType.I64;
            case INT32 -> DType.I32;
            case INT16 -> DType.I16;
            case INT8 -> DType.I8;
            case UINT8 -> DType.U8;
            case BOOLEAN -> DType.BOOL;
            default -> throw new Finetune4jException(
                    "tensor '" + name + "': DJL type " + t + " has no safetensors dtype here");
        };
    }

    /** 2-byte elements widened to 4: BF16 bits to the equal float32 bits, or I16 sign-extended. */
    private static ByteBuffer widen(ByteBuffer data, boolean bf16) {
        ByteBuffer in = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocateDirect(in.remaining() * 2).order(ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
            short v = in.getShort();
            out.putInt(bf16 ? (v & 0xFFFF) << 16 : v);
        }
        return out.flip();
    }

    private static ByteBuffer copyToDirect(ByteBuffer data) {
        ByteBuffer direct = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        direct.put(data.duplicate()).flip();
        return direct;
    }

    private static void checkLittleEndian() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new Finetune4jException("safetensors I/O needs a little-endian machine");
        }
    }
}
