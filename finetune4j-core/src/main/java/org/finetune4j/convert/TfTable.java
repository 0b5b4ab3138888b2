package org.finetune4j.convert;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.ProtoReader;

/**
 * The sorted string table TensorFlow's tensor bundles use for their {@code .index} file (LevelDB's
 * format): a 48-byte footer at the end (metaindex and index block handles, padding, the magic
 * 0xdb4775248b80fb57), an index block whose values are the handles of the data blocks, and data
 * blocks of prefix-compressed entries (shared key length, unshared length, value length, key
 * suffix, value) closed by restart offsets and their count. Every block is followed by a 5-byte
 * trailer: the compression type and the masked CRC32C of the block and that byte, checked here.
 * Compressed blocks (Snappy) are refused by name; TensorFlow writes bundles uncompressed.
 */
final class TfTable {

    /** One key and its value, in table order. */
    record Entry(String key, ByteBuffer value) {}

    static final long MAGIC = 0xdb4775248b80fb57L;
    static final int FOOTER = 48;
    private static final int TRAILER = 5;

    private TfTable() {}

    /** Every entry of the table in {@code file} (the whole file's bytes); errors start with {@code where}. */
    static List<Entry> read(ByteBuffer file, String where) {
        ByteBuffer f = file.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int size = f.remaining();
        if (size < FOOTER || f.getLong(f.position() + size - 8) != MAGIC) {
            throw new Finetune4jException(where + ": no table footer at the end of its " + size
                    + " bytes (the file is truncated or not a TensorFlow checkpoint index)");
        }
        ProtoReader footer = ProtoReader.of(f.slice(f.position() + size - FOOTER, FOOTER - 8), where + ": footer");
        footer.rawVarint("the metaindex handle");
        footer.rawVarint("the metaindex handle");
        ByteBuffer index = block(f, footer.rawVarint("the index handle"), footer.rawVarint("the index handle"), where, "index block");
        List<Entry> entries = new ArrayList<>();
        for (Entry handle : entries(index, where + ": index block")) {
            ProtoReader h = ProtoReader.of(handle.value(), where + ": index entry " + quote(handle.key()));
            long offset = h.rawVarint("the block offset");
            long length = h.rawVarint("the block size");
            entries.addAll(entries(block(f, offset, length, where, "data block at offset " + offset),
                    where + ": data block at offset " + offset));
        }
        return entries;
    }

    /** The contents of the block at [offset, offset + size) after its trailer is checked. */
    static ByteBuffer block(ByteBuffer f, long offset, long size, String where, String what) {
        int fileSize = f.remaining();
        if (offset < 0 || size < 0 || offset + size + TRAILER > fileSize - FOOTER) {
            throw new Finetune4jException(where + ": " + what + " of " + size + " bytes at offset " + offset
                    + " runs past the data area (" + (fileSize - FOOTER) + " bytes; the file is truncated or damaged)");
        }
        ByteBuffer contents = f.slice(f.position() + (int) offset, (int) size).order(ByteOrder.LITTLE_ENDIAN);
        int type = f.get(f.position() + (int) (offset + size)) & 0xFF;
        int stored = f.getInt(f.position() + (int) (offset + size) + 1);
        CRC32C crc = new CRC32C();
        crc.update(contents.duplicate());
        crc.update(type);
        if (mask((int) crc.getValue()) != stored) {
            throw new Finetune4jException(where + ": " + what + " fails its CRC32C check (the file is damaged)");
        }
        if (type == 1) {
            throw new Finetune4jException(where + ": " + what + " is Snappy-compressed, which import does not read"
                    + " (TensorFlow writes checkpoint indexes uncompressed)");
        }
        if (type != 0) {
            throw new Finetune4jException(where + ": " + what + " has unknown compression type " + type);
        }
        return contents;
    }

    /** The entries of one block, prefix compression undone. */
    static List<Entry> entries(ByteBuffer block, String where) {
        int size = block.remaining();
        if (size < 4) {
            throw new Finetune4jException(where + ": " + size + " bytes, too short for a block");
        }
        long restarts = Integer.toUnsignedLong(block.getInt(size - 4));
        long end = size - 4 - 4 * restarts;
        if (restarts == 0 || end < 0) {
            throw new Finetune4jException(where + ": " + restarts + " restart points do not fit its " + size + " bytes");
        }
        ProtoReader r = ProtoReader.of(block.slice(0, (int) end), where);
        List<Entry> out = new ArrayList<>();
        byte[] key = new byte[0];
        while (r.remaining() > 0) {
            long shared = r.rawVarint("an entry's shared key length");
            long unshared = r.rawVarint("an entry's key length");
            long valueLength = r.rawVarint("an entry's value length");
            if (shared > key.length || unshared + valueLength > r.remaining()) {
                throw new Finetune4jException(where + ": the entry after " + quote(utf8(key))
                        + " has lengths past the block's end (the file is damaged)");
            }
            ByteBuffer rest = block.slice((int) end - r.remaining(), r.remaining());
            byte[] next = Arrays.copyOf(key, (int) (shared + unshared));
            rest.get(next, (int) shared, (int) unshared);
            ByteBuffer value = rest.slice(rest.position(), (int) valueLength).order(ByteOrder.LITTLE_ENDIAN);
            r = ProtoReader.of(rest.position(rest.position() + (int) valueLength).slice(), where);
            key = next;
            out.add(new Entry(utf8(key), value));
        }
        return out;
    }

    /** LevelDB's CRC mask: rotate right by 15 bits and add a constant. */
    static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static String quote(String s) {
        return org.finetune4j.io.Text.quote(s);
    }
}
