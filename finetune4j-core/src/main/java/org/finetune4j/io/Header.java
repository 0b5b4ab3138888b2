package org.finetune4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.tensor.DType;

/**
 * A validated safetensors header: the data area starts at {@code dataStart} (8 + header length)
 * and the tensors, sorted by offset, tile it exactly. The checks follow the Python library.
 */
record Header(long dataStart, Map<String, String> metadata, List<TensorInfo> tensors) {

    static final String METADATA = "__metadata__";

    /** Reads and validates the header; its length is checked against the file and the cap first. */
    static Header read(FileChannel ch, String where) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw Text.error(where + ": file is " + size + " bytes, too short for the 8-byte header length");
        }
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, len, 0);
        long n = len.getLong(0);
        if (n < 0 || n > size - 8) {
            throw Text.error(where + ": header length " + Long.toUnsignedString(n) + " exceeds the "
                    + (size - 8) + " bytes after the length field (file size " + size + ")");
        }
        if (n > Json.MAX_BYTES) {
            throw Text.error(where + ": header length " + n + " exceeds the limit of "
                    + Json.MAX_BYTES + " bytes");
        }
        byte[] json = new byte[(int) n];
        readFully(ch, ByteBuffer.wrap(json), 8);
        return parse(json, where, size - 8 - n);
    }

    /** Validates the header JSON of a file whose data area holds {@code dataLength} bytes. */
    static Header parse(byte[] json, String where, long dataLength) {
        if (json.length == 0 || json[0] != '{') {
            throw Text.error(where + ": header is not a JSON object");
        }
        JsonNode root = Json.parse(json, where + ": header");
        Map<String, String> metadata = Map.of();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (e.getKey().equals(METADATA)) {
                metadata = metadata(e.getValue(), where);
            } else {
                tensors.add(tensor(e.getKey(), e.getValue(), where, dataLength));
            }
        }
        tensors.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        checkTiling(tensors, where, dataLength);
        return new Header(json.length + 8L, metadata, List.copyOf(tensors));
    }

    private static Map<String, String> metadata(JsonNode node, String where) {
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw Text.error(where + ": " + METADATA + " is not a JSON object");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw Text.error(where + ": " + METADATA + " value of " + Text.quote(e.getKey())
                        + " is not a string");
            }
            m.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(m);
    }

    private static TensorInfo tensor(String name, JsonNode node, String where, long dataLength) {
        String at = where + ": tensor " + Text.quote(name);
        if (!node.isObject()) {
            throw Text.error(at + " is not a JSON object");
        }
        JsonNode dtypeNode = field(node, "dtype", at);
        if (!dtypeNode.isTextual()) {
            throw Text.error(at + " dtype is not a string");
        }
        DType dtype = DType.parse(dtypeNode.textValue(), at);
        long[] shape = longs(field(node, "shape", at), at + " shape");
        long[] off = longs(field(node, "data_offsets", at), at + " data_offsets");
        if (off.length != 2 || off[0] > off[1]) {
            throw Text.error(at + " data_offsets " + Text.shape(off)
                    + " are not [begin, end] with begin <= end");
        }
        long need = byteCount(shape, dtype, at);
        if (need != off[1] - off[0]) {
            throw Text.error(at + " data_offsets " + Text.shape(off) + " hold " + (off[1] - off[0])
                    + " bytes but shape " + Text.shape(shape) + " of " + dtype + " needs " + need);
        }
        if (off[1] > dataLength) {
            throw Text.error(at + " data_offsets " + Text.shape(off)
                    + " run past the end of the data area (" + dataLength + " bytes)");
        }
        return new TensorInfo(name, dtype, shape, off[0], off[1]);
    }

    private static JsonNode field(JsonNode node, String key, String at) {
        JsonNode v = node.get(key);
        if (v == null) {
            throw Text.error(at + " has no " + key);
        }
        return v;
    }

    /** The array {@code node} as longs; each must be a non-negative integer that fits 64 bits. */
    private static long[] longs(JsonNode node, String at) {
        if (!node.isArray()) {
            throw Text.error(at + " is not an array of integers");
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw Text.error(at + " has " + Text.printable(v.toString()) + ", not a 64-bit integer");
            }
            out[i] = v.longValue();
            if (out[i] < 0) {
                throw Text.error(at + " has a negative value " + out[i]);
            }
        }
        return out;
    }

    private static long byteCount(long[] shape, DType dtype, String at) {
        try {
            return Math.multiplyExact(TensorInfo.numel(shape), (long) dtype.size());
        } catch (ArithmeticException e) {
            throw Text.error(at + " shape " + Text.shape(shape) + " of " + dtype
                    + " needs more bytes than a 64-bit count holds");
        }
    }

    /** Sorted tensors must cover [0, dataLength) with no gap and no overlap. */
    private static void checkTiling(List<TensorInfo> sorted, String where, long dataLength) {
        long pos = 0;
        TensorInfo prev = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < pos) {
                throw Text.error(where + ": " + describe(t) + " overlap " + describe(prev));
            }
            if (t.begin() > pos) {
                throw Text.error(where + ": gap of " + (t.begin() - pos) + " bytes before " + describe(t)
                        + (prev == null ? " (the data area starts at 0)" : " (" + describe(prev) + ")"));
            }
            pos = t.end();
            prev = t;
        }
        if (pos != dataLength) {
            throw Text.error(where + ": the data area holds " + dataLength
                    + " bytes but the tensors cover only the first " + pos);
        }
    }

    private static String describe(TensorInfo t) {
        return "tensor " + Text.quote(t.name()) + " data_offsets [" + t.begin() + ", " + t.end() + "]";
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new EOFException("file ended at byte " + pos);
            }
            pos += n;
        }
    }
}
