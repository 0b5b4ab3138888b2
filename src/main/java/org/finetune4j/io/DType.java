package org.finetune4j.io;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.finetune4j.Finetune4jException;

/** A safetensors element type; the constant names are the dtype strings in the header. */
public enum DType {
    F32(4), F16(2), BF16(2), F64(8), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private static final String KNOWN =
            Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));

    private final int size;

    DType(int size) {
        this.size = size;
    }

    /** Bytes per element. */
    public int size() {
        return size;
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
}
