package org.finetune4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, opened with its header validated; each tensor's bytes are memory-mapped
 * on demand, one mapping per tensor, so files over 2 GiB work. A single tensor over 2 GiB
 * (2^31 - 1 bytes) cannot be one Java buffer and {@link #data} rejects it.
 */
public final class SafeTensors implements AutoCloseable {

    private final Path file;
    private final String where;
    private final FileChannel channel;
    private final Header header;
    private final Map<String, TensorInfo> byName;
    private volatile boolean closed;

    private SafeTensors(Path file, FileChannel channel, Header header) {
        this.file = file;
        this.where = Text.where(file);
        this.channel = channel;
        this.header = header;
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        header.tensors().forEach(t -> m.put(t.name(), t));
        this.byName = m;
    }

    /** Opens and validates {@code file}; nothing but the header is read. */
    public static SafeTensors open(Path file) {
        String where = Text.where(file);
        if (Files.isDirectory(file)) {
            throw Text.error(where + ": is a folder, not a safetensors file");
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw Text.error(where + ": no such file");
        } catch (IOException e) {
            throw Text.error(where + ": cannot open: " + Text.describe(e));
        }
        try {
            return new SafeTensors(file, ch, Header.read(ch, where));
        } catch (IOException e) {
            closeQuietly(ch);
            throw Text.error(where + ": cannot read the header: " + Text.describe(e));
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** The path as given to {@link #open}. */
    public Path file() {
        return file;
    }

    /** The header's {@code __metadata__} (empty when absent). */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** All tensors in file order (by data offset). */
    public List<TensorInfo> tensors() {
        return header.tensors();
    }

    /** The tensor called {@code name}, or null. */
    public TensorInfo info(String name) {
        return byName.get(name);
    }

    /**
     * The bytes of tensor {@code name}: a read-only little-endian mapped view, position 0, valid
     * after {@link #close} until it is garbage; an error if the tensor is absent or over 2 GiB.
     */
    public ByteBuffer data(String name) {
        TensorInfo t = byName.get(name);
        if (t == null) {
            throw Text.error(where + ": no tensor " + Text.quote(name));
        }
        if (closed) {
            throw Text.error(where + ": is closed");
        }
        long length = t.end() - t.begin();
        if (length > Integer.MAX_VALUE) {
            throw Text.error(where + ": tensor " + Text.quote(name) + " holds " + length
                    + " bytes; a tensor over 2 GiB (" + Integer.MAX_VALUE + " bytes) is not supported");
        }
        long pos = header.dataStart() + t.begin();
        try {
            if (pos + length > channel.size()) {
                throw Text.error(where + ": file shrank to " + channel.size() + " bytes since it was opened");
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, pos, length).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw Text.error(where + ": cannot map tensor " + Text.quote(name) + ": " + Text.describe(e));
        }
    }

    /**
     * Copies the bytes of tensor {@code name} into {@code into} from its position on (positional
     * reads, no mapping: the bytes pass through the page cache, not this process's resident memory,
     * which is what an 8-bit load needs); {@code into} must have room for them.
     */
    public void read(String name, ByteBuffer into) {
        TensorInfo t = byName.get(name);
        if (t == null) {
            throw Text.error(where + ": no tensor " + Text.quote(name));
        }
        long length = t.end() - t.begin();
        if (into.remaining() < length) {
            throw new IllegalArgumentException("buffer of " + into.remaining() + " bytes for " + length);
        }
        long pos = header.dataStart() + t.begin();
        ByteBuffer dst = into.slice().limit((int) length);
        try {
            while (dst.hasRemaining()) {
                if (channel.read(dst, pos + dst.position()) < 0) {
                    throw Text.error(where + ": file shrank to " + channel.size() + " bytes since it was opened");
                }
            }
        } catch (IOException e) {
            throw Text.error(where + ": cannot read tensor " + Text.quote(name) + ": " + Text.describe(e));
        }
        into.position(into.position() + (int) length);
    }

    /** Closes the file; buffers already returned stay readable. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing a read-only channel loses nothing
        }
    }
}
