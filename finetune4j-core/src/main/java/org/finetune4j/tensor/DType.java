package org.finetune4j.tensor;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.Text;

/**
 * An element type, the one enum of the project: tensors, safetensors files (the constant names are
 * the dtype strings of their header) and config.json's {@code torch_dtype} ({@link #torchName}).
 */
public enum DType {
    F32(4, "float32"),
    F16(2, "float16"),
    BF16(2, "bfloat16"),
    F64(8, "float64"),
    I64(8, "int64"),
    I32(4, "int32"),
    I16(2, "int16"),
    I8(1, "int8"),
    U8(1, "uint8"),
    BOOL(1, "bool");

    private static final String KNOWN =
            Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));

    private final int size;
    private final String torchName;

    DType(int size, String torchName) {
        this.size = size;
        this.torchName = torchName;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** The name torch gives it ({@code torch.bfloat16} without the module): config.json's {@code torch_dtype}. */
    public String torchName() {
        return torchName;
    }

    /** Whether it holds floating-point numbers. */
    public boolean floating() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    /** The dtype named {@code name}; {@code where} opens the error message (e.g. "f: tensor 'x'"). */
    public static DType parse(String name, String where) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new Finetune4jException(
                where + " has unknown dtype " + Text.quote(name) + "; known: " + KNOWN);
    }

    /**
     * The floating dtype of a torch name as config.json and {@code --dtype} spell it ({@code bfloat16},
     * {@code float16}, {@code float32}, also {@code torch.bfloat16}, {@code bf16}, {@code fp16}, {@code fp32});
     * {@code where} opens the error message.
     */
    public static DType parseTorch(String name, String where) {
        String n = name.toLowerCase(Locale.ROOT).replaceFirst("^torch\\.", "");
        return switch (n) {
            case "float32", "float", "fp32", "f32" -> F32;
            case "bfloat16", "bf16" -> BF16;
            case "float16", "half", "fp16", "f16" -> F16;
            default -> throw new Finetune4jException(where + ": unsupported dtype " + Text.quote(name)
                    + " (supported: float32, bfloat16, float16)");
        };
    }
}
