package org.finetune4j.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.LongConsumer;

/**
 * Protocol Buffers wire format, read field by field from a window of a buffer (varints, fixed32 /
 * fixed64, length-delimited fields, packed repeated fields). Every length is checked against what
 * is left of the window before anything is sliced or allocated; groups (wire types 3 and 4) are
 * refused. Errors are one line that starts with {@code where} (the file and the message's place)
 * and names the field. Length-delimited values are views of the buffer, never copies.
 *
 * <pre>{@code
 * ProtoReader r = ProtoReader.of(bytes, "model.onnx: graph");
 * while (r.next()) {
 *     switch (r.field()) {
 *         case 5 -> readTensor(r.message("initializer"));
 *         default -> r.skip();
 *     }
 * }
 * }</pre>
 */
public final class ProtoReader {

    public static final int VARINT = 0;
    public static final int FIXED64 = 1;
    public static final int LEN = 2;
    public static final int FIXED32 = 5;

    private final ByteBuffer buf; // position .. limit is what is left
    private final String where;
    private int field;
    private int wireType;

    private ProtoReader(ByteBuffer window, String where) {
        this.buf = window.slice().order(ByteOrder.LITTLE_ENDIAN);
        this.where = where;
    }

    /** A reader over {@code bytes} from its position to its limit; {@code where} opens every error. */
    public static ProtoReader of(ByteBuffer bytes, String where) {
        return new ProtoReader(bytes, where);
    }

    /** Where this message is, as errors print it. */
    public String where() {
        return where;
    }

    /** Bytes left in this message. */
    public int remaining() {
        return buf.remaining();
    }

    /** Reads the next field's tag; false at the end of the message. */
    public boolean next() {
        if (!buf.hasRemaining()) {
            return false;
        }
        long tag = rawVarint("a field tag");
        field = (int) (tag >>> 3);
        wireType = (int) (tag & 7);
        if (tag >>> 3 > 0x1FFFFFFF || field == 0) {
            throw error("bad field tag " + tag);
        }
        if (wireType == 3 || wireType == 4) {
            throw error("field " + field + " is a group (wire type " + wireType + "), which is not supported");
        }
        if (wireType > 5) {
            throw error("field " + field + " has unknown wire type " + wireType);
        }
        return true;
    }

    /** The current field's number. */
    public int field() {
        return field;
    }

    /** The current field's wire type. */
    public int wireType() {
        return wireType;
    }

    /** The current field as a varint (int32, int64, uint, enum, bool). */
    public long varint() {
        expect(VARINT);
        return rawVarint("field " + field);
    }

    /** The current varint field as an int32 (protobuf truncates int32 values to 32 bits). */
    public int int32() {
        return (int) varint();
    }

    /** The current field as a fixed32 (fixed32, sfixed32, float bits). */
    public int fixed32() {
        expect(FIXED32);
        need(4);
        return buf.getInt();
    }

    /** The current field as a fixed64 (fixed64, sfixed64, double bits). */
    public long fixed64() {
        expect(FIXED64);
        need(8);
        return buf.getLong();
    }

    /** The current length-delimited field: a little-endian view of its bytes, position 0. */
    public ByteBuffer bytes() {
        return bytes("field " + field);
    }

    private ByteBuffer bytes(String what) {
        expect(LEN);
        long n = rawVarint("the length of " + what);
        if (n > buf.remaining()) {
            throw error(what + " says " + n + " bytes but only " + buf.remaining() + " are left (truncated or damaged)");
        }
        ByteBuffer view = buf.slice().limit((int) n).order(ByteOrder.LITTLE_ENDIAN);
        buf.position(buf.position() + (int) n);
        return view;
    }

    /** The current length-delimited field as UTF-8 text (invalid UTF-8 is an error). */
    public String string() {
        ByteBuffer b = bytes();
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(b).toString();
        } catch (CharacterCodingException e) {
            throw error("field " + field + " is not valid UTF-8 text");
        }
    }

    /** The current length-delimited field as an embedded message; {@code what} extends {@link #where}. */
    public ProtoReader message(String what) {
        return new ProtoReader(bytes(what + " (field " + field + ")"), where + ": " + what);
    }

    /**
     * A repeated varint field, packed (one length-delimited run) or not (one value per tag): hands
     * each value to {@code sink}.
     */
    public void varints(LongConsumer sink) {
        if (wireType == LEN) {
            ProtoReader packed = new ProtoReader(bytes(), where);
            while (packed.buf.hasRemaining()) {
                sink.accept(packed.rawVarint("packed field " + field));
            }
        } else {
            sink.accept(varint());
        }
    }

    /**
     * A repeated fixed-width field ({@code width} 4 or 8), packed or not: its little-endian bytes,
     * which for a packed float or double field are the array itself.
     */
    public ByteBuffer fixedRun(int width) {
        if (wireType == LEN) {
            ByteBuffer b = bytes();
            if (b.remaining() % width != 0) {
                throw error("packed field " + field + " holds " + b.remaining() + " bytes, not a multiple of " + width);
            }
            return b;
        }
        ByteBuffer one = ByteBuffer.allocate(width).order(ByteOrder.LITTLE_ENDIAN);
        if (width == 4) {
            one.putInt(fixed32());
        } else {
            one.putLong(fixed64());
        }
        return one.flip();
    }

    /** Skips the current field. */
    public void skip() {
        switch (wireType) {
            case VARINT -> rawVarint("field " + field);
            case FIXED64 -> fixed64();
            case LEN -> bytes();
            case FIXED32 -> fixed32();
            default -> throw error("field " + field + " has unknown wire type " + wireType);
        }
    }

    /** An error for this message: {@code where: message}. */
    public RuntimeException error(String message) {
        return Text.error(where + ": " + message);
    }

    /** A bare varint at the position (also LevelDB's block handles and entry headers). */
    public long rawVarint(String what) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (!buf.hasRemaining()) {
                throw error(what + " runs past the end (truncated)");
            }
            byte b = buf.get();
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw error(what + " is a varint longer than 10 bytes");
    }

    private void expect(int type) {
        if (wireType != type) {
            throw error("field " + field + " has wire type " + wireType + " where " + type + " was expected");
        }
    }

    private void need(int n) {
        if (buf.remaining() < n) {
            throw error("field " + field + " needs " + n + " bytes but only " + buf.remaining() + " are left");
        }
    }
}
