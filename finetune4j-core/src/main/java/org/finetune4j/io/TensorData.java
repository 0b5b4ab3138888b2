package org.finetune4j.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import org.finetune4j.tensor.DType;

/**
 * A tensor to write: name, dtype, shape and its raw little-endian bytes (position to limit of
 * {@code bytes}, which must hold exactly numel x dtype size bytes; the writer checks).
 */
public record TensorData(String name, DType dtype, long[] shape, ByteBuffer bytes) {

    public TensorData {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        bytes = bytes.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A copy of the shape; {@code []} is a scalar. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** A read-only little-endian view of the bytes with its own position. */
    @Override
    public ByteBuffer bytes() {
        return bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && bytes.equals(t.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), bytes);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Text.shape(shape) + " (" + bytes.remaining() + " bytes)";
    }
}
