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
 * as libtorch's CPU tensors are then laid out exactly as safetensors stores them.
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
        Shape shape = new Shape(info.shape());
        DataType type = dataType(info.dtype());
        if (info.numel() == 0) {
            return m.zeros(shape, type);
        }
        // DJL wraps a direct buffer without copying (torch.from_blob at the buffer's address,
        // ignoring its position), so hand it a position-0 direct view and clone in libtorch.
        ByteBuffer view = data.isDirect() ? data.slice() : copyToDirect(data);
        try (NDArray alias = m.create(view, shape, type)) {
            return alias.duplicate();
        } finally {
            // libtorch reads the mapping during the clone: keep the buffer (and so the mapping) alive
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

    /** The DJL type that stores {@code t} with the same bytes. */
    public static DataType dataType(DType t) {
        return switch (t) {
            case F32 -> DataType.FLOAT32;
            case F16 -> DataType.FLOAT16;
            case BF16 -> DataType.BFLOAT16;
            case F64 -> DataType.FLOAT64;
            case I64 -> DataType.INT64;
            case I32 -> DataType.INT32;
            case I16 -> DataType.INT16;
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
