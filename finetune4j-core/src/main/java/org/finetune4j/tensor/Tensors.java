package org.finetune4j.tensor;

import java.nio.ByteBuffer;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.TensorData;
import org.finetune4j.io.TensorInfo;

/**
 * Moves tensors between safetensors bytes and libtorch, in their own dtype (bfloat16 and float16
 * stay 2 bytes an element). Assumes a little-endian machine, as libtorch's CPU tensors are then
 * laid out exactly as safetensors stores them.
 */
public final class Tensors {

    private Tensors() {}

    /**
     * A new tensor holding a copy of {@code data} (the bytes of {@code info}). The copy lives in
     * libtorch memory: the tensor stays valid when the file is closed or changed.
     */
    public static Tensor toTensor(TensorInfo info, ByteBuffer data) {
        if (data.remaining() != info.byteCount()) {
            throw new Finetune4jException("tensor '" + info.name() + "' has " + data.remaining()
                    + " bytes but " + info + " needs " + info.byteCount());
        }
        return Torch.fromBytes(data, info.dtype(), info.shape());
    }

    /**
     * A new tensor of {@code info}'s dtype and shape whose bytes {@code fill} reads straight into its memory
     * (e.g. positional reads of a weight file), with no staging copy: loading a model then peaks at its
     * weights, not at its weights plus its largest tensor.
     */
    public static Tensor read(TensorInfo info, java.util.function.Consumer<ByteBuffer> fill) {
        return Data.filled(info.dtype(), info.shape(), fill);
    }

    /** The bytes of {@code t} (copied out of libtorch, little-endian) as a tensor to write. */
    public static TensorData fromTensor(String name, Tensor t) {
        return new TensorData(name, t.dtype(), t.shape(), Torch.bytes(t));
    }
}
