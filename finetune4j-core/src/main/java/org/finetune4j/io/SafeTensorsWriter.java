package org.finetune4j.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.finetune4j.tensor.DType;

/**
 * Writes a safetensors file as the Python library writes it: {@code __metadata__} first, tensors
 * sorted by dtype in the library's order (which sorts them by element size, descending, so every
 * tensor is aligned to its element size) then name; offsets contiguous; header padded with spaces
 * to a multiple of 8. The bytes go to a
 * hidden temporary file in the same folder that is then renamed atomically over {@code file}.
 */
public final class SafeTensorsWriter {

    private static final int CHUNK = 8 << 20;

    private SafeTensorsWriter() {}

    /** Writes {@code tensors} and {@code metadata} (null or empty: none) to {@code file}. */
    public static void write(Path file, List<TensorData> tensors, Map<String, String> metadata) {
        String where = Text.where(file);
        List<TensorData> sorted = validated(tensors, where);
        byte[] header = header(sorted, metadata == null ? Map.of() : metadata, where);
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw Text.error(where + ": the folder to write into does not exist");
        }
        String random = Long.toHexString(ThreadLocalRandom.current().nextLong());
        Path tmp = dir.resolve("." + file.getFileName() + "." + random + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                writeFully(ch, len.putLong(0, header.length));
                writeFully(ch, ByteBuffer.wrap(header));
                for (TensorData t : sorted) {
                    writeFully(ch, t.bytes());
                }
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw Text.error(where + ": cannot write: " + Text.describe(e));
        } catch (RuntimeException | Error e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    /** The tensors in write order, after checking names and byte counts. */
    private static List<TensorData> validated(List<TensorData> tensors, String where) {
        Set<String> seen = new HashSet<>();
        for (TensorData t : tensors) {
            String at = where + ": tensor " + Text.quote(t.name());
            if (t.name().equals(Header.METADATA)) {
                throw Text.error(at + " has the reserved name " + Header.METADATA);
            }
            if (!seen.add(t.name())) {
                throw Text.error(at + " appears twice");
            }
            long need = byteCount(t, at);
            if (t.bytes().remaining() != need) {
                throw Text.error(at + " has " + t.bytes().remaining() + " bytes but shape "
                        + Text.shape(t.shape()) + " of " + t.dtype() + " needs " + need);
            }
        }
        List<TensorData> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparingInt((TensorData t) -> -PYTHON_ORDER.indexOf(t.dtype()))
                .thenComparing(TensorData::name));
        return sorted;
    }

    /**
     * The dtypes in the order of the Python library's Dtype enum; tensors are written last dtype first,
     * which also sorts them by element size, so each is aligned to its element size.
     */
    private static final List<DType> PYTHON_ORDER = List.of(DType.BOOL, DType.U8, DType.I8, DType.I16, DType.F16, DType.BF16,
            DType.I32, DType.F32, DType.F64, DType.I64);

    private static long byteCount(TensorData t, String at) {
        try {
            return Math.multiplyExact(TensorInfo.numel(t.shape()), (long) t.dtype().size());
        } catch (IllegalArgumentException e) {
            throw Text.error(at + " shape " + Text.shape(t.shape()) + " has a negative dimension");
        } catch (ArithmeticException e) {
            throw Text.error(at + " shape " + Text.shape(t.shape()) + " has too many elements");
        }
    }

    /** The header JSON, padded with spaces to a multiple of 8 bytes. */
    private static byte[] header(List<TensorData> sorted, Map<String, String> metadata, String where) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(Header.METADATA);
            metadata.forEach((k, v) -> {
                if (k == null || v == null) {
                    throw Text.error(where + ": metadata has a null key or value");
                }
            });
            new TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (TensorData t : sorted) {
            ObjectNode entry = root.putObject(t.name());
            entry.put("dtype", t.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            Arrays.stream(t.shape()).forEach(shape::add);
            long end = offset + t.bytes().remaining();
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = toBytes(root, where);
        int padded = json.length + (8 - json.length % 8) % 8;
        if (padded > Json.MAX_BYTES) {
            throw Text.error(where + ": header of " + padded + " bytes exceeds the limit of "
                    + Json.MAX_BYTES);
        }
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static byte[] toBytes(ObjectNode root, String where) {
        try {
            return Json.MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw Text.error(where + ": cannot encode the header: " + Text.printable(e.getOriginalMessage()));
        }
    }

    /** Writes {@code b} in chunks, so a large heap buffer never needs an equally large native copy. */
    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ByteBuffer part = b.duplicate();
            part.limit(part.position() + Math.min(b.remaining(), CHUNK));
            while (part.hasRemaining()) {
                ch.write(part);
            }
            b.position(part.position());
        }
    }

    private static void deleteQuietly(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // the leftover is a hidden .tmp file; the target is untouched either way
        }
    }
}
