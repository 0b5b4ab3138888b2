package org.finetune4j.convert;

import org.finetune4j.io.ProtoReader;
import org.finetune4j.tensor.DType;

/** TensorFlow's {@code DataType} enum numbers, for the dtypes a checkpoint import reads. */
final class TfDTypes {

    private TfDTypes() {}

    /**
     * The safetensors dtype of TensorFlow dtype {@code code}: float32, float16, bfloat16, int32, int64
     * and bool; null for a string tensor (TensorFlow 2's object graph, skipped by name); anything
     * else is an error naming the tensor.
     */
    static DType of(long code, String tensor, ProtoReader where) {
        return switch ((int) code) {
            case 1 -> DType.F32;
            case 19 -> DType.F16;
            case 14 -> DType.BF16;
            case 3 -> DType.I32;
            case 9 -> DType.I64;
            case 10 -> DType.BOOL;
            case 7 -> null;
            default -> throw where.error("dtype " + name(code) + " is not supported (float32, float16, bfloat16, int32,"
                    + " int64 and bool are)");
        };
    }

    private static String name(long code) {
        return switch ((int) code) {
            case 2 -> "DT_DOUBLE (2)";
            case 4 -> "DT_UINT8 (4)";
            case 5 -> "DT_INT16 (5)";
            case 6 -> "DT_INT8 (6)";
            case 8 -> "DT_COMPLEX64 (8)";
            case 20 -> "DT_RESOURCE (20)";
            case 21 -> "DT_VARIANT (21)";
            default -> code + " (unknown)";
        };
    }
}
