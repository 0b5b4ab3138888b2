package org.finetune4j.convert;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.ProtoReader;
import org.finetune4j.tensor.DType;

/**
 * An ONNX {@code TensorProto} (an initializer, or a Constant node's value): name, dims, data type and
 * its little-endian bytes, from {@code raw_data} or the typed fields ({@code float_data}, {@code int32_data},
 * {@code int64_data}, {@code double_data}), checked to hold exactly dims x element size bytes. Data kept
 * in an external file is refused by name.
 */
record OnnxTensor(String name, DType dtype, long[] dims, ByteBuffer data) {

    /** Reads one TensorProto; {@code label} names it in errors until its name is known. */
    static OnnxTensor read(ProtoReader r, String file, String label) {
        Parsed p = new Parsed();
        try {
            fields(r, p);
        } catch (Finetune4jException e) { // name the tensor when its name came before the damage
            throw p.name == null ? e : new Finetune4jException(e.getMessage().replace(label, label.replaceAll(" .*", "")
                    + " " + TfTable.quote(p.name)), e);
        }
        String where = file + ": " + (p.name == null ? label : label.replaceAll(" .*", "") + " " + TfTable.quote(p.name));
        if (p.external) {
            throw new Finetune4jException(where + " keeps its data in an external file, which import does not read"
                    + " (save the model with its weights inside: onnx.save_model(m, f, save_as_external_data=False))");
        }
        long[] dims = p.dims.stream().mapToLong(Long::longValue).toArray();
        DType dtype = dtype(p.type, where);
        ByteBuffer data = p.bytes(dtype, where);
        long need = numel(dims, where) * dtype.size();
        if (need != data.remaining()) {
            throw new Finetune4jException(where + " has " + data.remaining() + " bytes of data but dims "
                    + Arrays.toString(dims) + " of " + dtype + " need " + need);
        }
        return new OnnxTensor(p.name == null ? "" : p.name, dtype, dims, data);
    }

    private static void fields(ProtoReader r, Parsed p) {
        while (r.next()) {
            switch (r.field()) {
                case 1 -> r.varints(p.dims::add);
                case 2 -> p.type = r.int32();
                case 3 -> throw r.error("is a segmented tensor, which import does not read");
                case 4 -> p.runs.add(r.fixedRun(4));
                case 5, 7 -> r.varints(p.ints::add);
                case 8 -> p.name = r.string();
                case 9 -> p.raw = r.bytes();
                case 10 -> p.runs.add(r.fixedRun(8));
                case 13 -> {
                    r.skip();
                    p.external = true;
                }
                case 14 -> p.external |= r.varint() == 1;
                default -> r.skip();
            }
        }
    }

    /** The values of a small integer tensor (a shape or an index), or null when it is not one. */
    long[] ints() {
        if ((dtype != DType.I64 && dtype != DType.I32) || data.remaining() > 64) {
            return null;
        }
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long[] v = new long[b.remaining() / dtype.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = dtype == DType.I64 ? b.getLong() : b.getInt();
        }
        return v;
    }

    /** The value of a float32 scalar (or one-element tensor), or null. */
    Float scalar() {
        return dtype == DType.F32 && data.remaining() == 4 ? data.duplicate().order(ByteOrder.LITTLE_ENDIAN).getFloat() : null;
    }

    /** Number of elements. */
    long numel() {
        return numel(dims, name);
    }

    /** ONNX's TensorProto.DataType numbers for the dtypes safetensors has. */
    static DType dtype(int type, String where) {
        return switch (type) {
            case 1 -> DType.F32;
            case 2 -> DType.U8;
            case 3 -> DType.I8;
            case 5 -> DType.I16;
            case 6 -> DType.I32;
            case 7 -> DType.I64;
            case 9 -> DType.BOOL;
            case 10 -> DType.F16;
            case 11 -> DType.F64;
            case 16 -> DType.BF16;
            case 0 -> throw new Finetune4jException(where + " has no data type");
            default -> throw new Finetune4jException(where + " has data type " + type + ", which import does not read"
                    + " (float32, float16, bfloat16, float64, int8-64, uint8 and bool are)");
        };
    }

    private static long numel(long[] dims, String where) {
        long n = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new Finetune4jException(where + " has a negative dimension " + d);
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new Finetune4jException(where + " has too many elements");
            }
        }
        return n;
    }

    /** The fields of a TensorProto as they arrive. */
    private static final class Parsed {
        String name;
        int type;
        boolean external;
        ByteBuffer raw;
        final List<Long> dims = new ArrayList<>();
        final List<ByteBuffer> runs = new ArrayList<>();
        final List<Long> ints = new ArrayList<>();

        /** The data as little-endian bytes of {@code t}: raw_data, else the typed field's values. */
        ByteBuffer bytes(DType t, String where) {
            if (raw != null) {
                return raw;
            }
            if (!runs.isEmpty()) {
                int total = runs.stream().mapToInt(ByteBuffer::remaining).sum();
                ByteBuffer out = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
                runs.forEach(b -> out.put(b.duplicate()));
                return out.flip();
            }
            if ((long) ints.size() * t.size() > Integer.MAX_VALUE) {
                throw new Finetune4jException(where + " holds too many values");
            }
            ByteBuffer out = ByteBuffer.allocate(ints.size() * t.size()).order(ByteOrder.LITTLE_ENDIAN);
            for (long v : ints) {
                switch (t.size()) {
                    case 1 -> out.put((byte) v);
                    case 2 -> out.putShort((short) v);
                    case 4 -> out.putInt((int) v);
                    default -> out.putLong(v);
                }
            }
            return out.flip();
        }
    }
}
