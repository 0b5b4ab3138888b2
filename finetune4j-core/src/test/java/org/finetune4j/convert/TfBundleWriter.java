package org.finetune4j.convert;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;
import org.finetune4j.io.ProtoWriter;

/**
 * Writes small TensorFlow checkpoint bundles for tests (one data block, no prefix compression), so
 * a test can make what TensorFlow would never write: unknown dtypes, compressed blocks, odd names.
 */
final class TfBundleWriter {

    /** A tensor: TensorFlow dtype code, shape, shard and bytes. */
    record T(String name, int dtype, long[] shape, int shard, byte[] data) {

        static T f32(String name, long... shape) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            ByteBuffer b = ByteBuffer.allocate((int) n * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                b.putFloat(i * 0.5f);
            }
            return new T(name, 1, shape, 0, b.array());
        }
    }

    private TfBundleWriter() {}

    /** Writes PREFIX.index and its shards; {@code compression} is the data block's trailer type byte. */
    static void write(Path prefix, int shards, List<T> tensors, int compression) throws IOException {
        List<ByteArrayOutputStream> data = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            data.add(new ByteArrayOutputStream());
        }
        List<T> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparing(T::name));
        List<byte[][]> entries = new ArrayList<>();
        entries.add(new byte[][] {new byte[0], new ProtoWriter().varint(1, shards).toByteArray()});
        for (T t : sorted) {
            ByteArrayOutputStream shard = data.get(t.shard());
            ProtoWriter shape = new ProtoWriter();
            for (long d : t.shape()) {
                shape.message(2, new ProtoWriter().varint(1, d));
            }
            CRC32C crc = new CRC32C();
            crc.update(t.data());
            ProtoWriter e = new ProtoWriter().varint(1, t.dtype()).message(2, shape).varint(3, t.shard())
                    .varint(4, shard.size()).varint(5, t.data().length).fixed32(6, TfTable.mask((int) crc.getValue()));
            shard.writeBytes(t.data());
            entries.add(new byte[][] {t.name().getBytes(StandardCharsets.UTF_8), e.toByteArray()});
        }
        ByteArrayOutputStream index = new ByteArrayOutputStream();
        byte[] dataBlock = block(entries);
        writeBlock(index, dataBlock, compression);
        byte[] lastKey = entries.get(entries.size() - 1)[0];
        byte[] handle = new ProtoWriter().raw(0).raw(dataBlock.length).toByteArray();
        long metaOffset = index.size();
        byte[] meta = block(List.of());
        writeBlock(index, meta, 0);
        long indexOffset = index.size();
        byte[] indexBlock = block(List.<byte[][]>of(new byte[][] {lastKey, handle}));
        writeBlock(index, indexBlock, 0);
        byte[] handles = new ProtoWriter().raw(metaOffset).raw(meta.length).raw(indexOffset).raw(indexBlock.length).toByteArray();
        ByteBuffer footer = ByteBuffer.allocate(TfTable.FOOTER).order(ByteOrder.LITTLE_ENDIAN);
        footer.put(handles).position(40);
        footer.putLong(TfTable.MAGIC);
        index.writeBytes(footer.array());
        Files.write(Path.of(prefix + ".index"), index.toByteArray());
        for (int s = 0; s < shards; s++) {
            Files.write(Path.of(TfBundle.shardName(prefix.toString(), s, shards)), data.get(s).toByteArray());
        }
    }

    private static byte[] block(List<byte[][]> entries) {
        ProtoWriter w = new ProtoWriter();
        for (byte[][] kv : entries) {
            w.raw(0).raw(kv[0].length).raw(kv[1].length).append(kv[0]).append(kv[1]);
        }
        ByteBuffer restarts = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(0).putInt(1);
        return w.append(restarts.array()).toByteArray();
    }

    private static void writeBlock(ByteArrayOutputStream out, byte[] block, int type) {
        CRC32C crc = new CRC32C();
        crc.update(block);
        crc.update(type);
        out.writeBytes(block);
        out.write(type);
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(TfTable.mask((int) crc.getValue())).array());
    }
}
