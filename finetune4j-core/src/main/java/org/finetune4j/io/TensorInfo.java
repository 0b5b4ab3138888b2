package org.finetune4j.io;

import java.util.Arrays;
import java.util.Objects;
import org.finetune4j.tensor.DType;

/**
 * One tensor's header entry: dtype, shape and its byte range [begin, end) in the data area
 * (relative to the first byte after the header, as in safetensors' data_offsets).
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    /** A copy of the shape; {@code []} is a scalar. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements: the product of the shape, 1 for a scalar. */
    public long numel() {
        return numel(shape);
    }

    /** Bytes the shape and dtype need (equals end - begin for a validated header). */
    public long byteCount() {
        return Math.multiplyExact(numel(), (long) dtype.size());
    }

    /** Product of the dims; ArithmeticException on overflow, IllegalArgumentException on a negative dim. */
    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension " + d);
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Text.shape(shape) + " [" + begin + ", " + end + ")";
    }
}
