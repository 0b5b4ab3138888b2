package org.finetune4j.convert;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.ProtoReader;
import org.finetune4j.tensor.DType;

/**
 * A TensorFlow checkpoint bundle ({@code PREFIX.index} + {@code PREFIX.data-NNNNN-of-NNNNN}), as
 * {@code tensor_bundle} writes it: the index table maps the empty key to a {@code BundleHeaderProto}
 * (shard count, endianness) and each tensor name to a {@code BundleEntryProto} (dtype, shape, shard,
 * offset, size, masked CRC32C). Opening reads and checks the index and every entry against its
 * shard's size; {@link #read} maps one tensor's bytes and checks its CRC.
 */
final class TfBundle implements AutoCloseable {

    /** One tensor's entry; {@code dtype} null for the few non-numeric kinds that are skipped by name. */
    record Entry(String name, DType dtype, long[] shape, int shard, long offset, long size, Integer crc32c) {}

    private final String shown;
    private final Map<String, Entry> entries;
    private final FileChannel[] shards;

    private TfBundle(String shown, Map<String, Entry> entries, FileChannel[] shards) {
        this.shown = shown;
        this.entries = entries;
        this.shards = shards;
    }

    /**
     * Opens {@code prefix}.index and its shards; every offset is checked against its shard's size. Errors
     * name the files as {@code shown} + ".index" and so on (the prefix as the user gave it, or inside an archive).
     */
    static TfBundle open(Path prefix, String shown) {
        Path index = Path.of(prefix + ".index");
        String where = shown + ".index";
        List<TfTable.Entry> table = TfTable.read(readAll(index, where), where);
        if (table.isEmpty() || !table.get(0).key().isEmpty()) {
            throw new Finetune4jException(where + ": no bundle header (the table's first key is not empty)");
        }
        int numShards = header(ProtoReader.of(table.get(0).value(), where + ": bundle header"));
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (TfTable.Entry e : table.subList(1, table.size())) {
            entries.put(e.key(), entry(e.key(), ProtoReader.of(e.value(), where + ": tensor " + TfTable.quote(e.key())), numShards));
        }
        FileChannel[] shards = new FileChannel[numShards];
        try {
            for (int s = 0; s < numShards; s++) {
                shards[s] = openShard(prefix, shown, s, numShards, entries.values());
            }
        } catch (RuntimeException e) {
            closeAll(shards);
            throw e;
        }
        return new TfBundle(shown, entries, shards);
    }

    /** The tensors in key order. */
    List<Entry> entries() {
        return new ArrayList<>(entries.values());
    }

    /** The bytes of {@code e} (little-endian, position 0), CRC-checked. */
    ByteBuffer read(Entry e) {
        String file = shardName(shown, e.shard(), shards.length);
        try {
            ByteBuffer b = shards[e.shard()].map(FileChannel.MapMode.READ_ONLY, e.offset(), e.size()).order(ByteOrder.LITTLE_ENDIAN);
            if (e.crc32c() != null) {
                CRC32C crc = new CRC32C();
                crc.update(b.duplicate());
                if (TfTable.mask((int) crc.getValue()) != e.crc32c()) {
                    throw new Finetune4jException(file + ": tensor " + TfTable.quote(e.name())
                            + " fails its CRC32C check (the shard is damaged)");
                }
            }
            return b;
        } catch (IOException ex) {
            throw new Finetune4jException(file + ": cannot read tensor " + TfTable.quote(e.name()) + " ("
                    + ex.getClass().getSimpleName() + ")");
        }
    }

    @Override
    public void close() {
        closeAll(shards);
    }

    /** The shard count of a {@code BundleHeaderProto}; big-endian bundles are refused. */
    private static int header(ProtoReader r) {
        long shards = 1;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> shards = r.varint();
                case 2 -> {
                    if (r.varint() != 0) {
                        throw r.error("the bundle is big-endian, which import does not read");
                    }
                }
                default -> r.skip();
            }
        }
        if (shards < 1 || shards > 99_999) {
            throw r.error("num_shards " + shards + " is out of range");
        }
        return (int) shards;
    }

    /** One {@code BundleEntryProto}, checked: dtype known, shape non-negative, size = elements x width. */
    private static Entry entry(String name, ProtoReader r, int numShards) {
        long dtype = 0;
        long shard = 0;
        long offset = 0;
        long size = 0;
        Integer crc = null;
        List<Long> dims = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> dtype = r.varint();
                case 2 -> shape(r.message("shape"), dims);
                case 3 -> shard = r.varint();
                case 4 -> offset = r.varint();
                case 5 -> size = r.varint();
                case 6 -> crc = r.fixed32();
                case 7 -> throw r.error("is a partitioned (sliced) variable, which import does not read");
                default -> r.skip();
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        DType type = TfDTypes.of(dtype, name, r);
        if (shard < 0 || shard >= numShards) {
            throw r.error("shard_id " + shard + " is not below num_shards " + numShards);
        }
        if (offset < 0 || size < 0) {
            throw r.error("negative offset " + offset + " or size " + size);
        }
        if (type != null) {
            long need = bytes(shape, type, r);
            if (need != size) {
                throw r.error("size " + size + " bytes, but shape " + Arrays.toString(shape) + " of " + type + " needs " + need);
            }
        }
        return new Entry(name, type, shape, (int) shard, offset, size, crc);
    }

    private static void shape(ProtoReader r, List<Long> dims) {
        while (r.next()) {
            if (r.field() == 2) {
                ProtoReader d = r.message("dim " + dims.size());
                long n = 0;
                while (d.next()) {
                    if (d.field() == 1) {
                        n = d.varint();
                    } else {
                        d.skip();
                    }
                }
                if (n < 0) {
                    throw r.error("dimension " + dims.size() + " is " + n);
                }
                dims.add(n);
            } else if (r.field() == 3 && r.varint() != 0) {
                throw r.error("has an unknown rank");
            } else if (r.field() != 3) {
                r.skip();
            }
        }
    }

    private static long bytes(long[] shape, DType t, ProtoReader r) {
        try {
            long n = t.size();
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        } catch (ArithmeticException e) {
            throw r.error("shape " + Arrays.toString(shape) + " has too many elements");
        }
    }

    private static FileChannel openShard(Path prefix, String shown, int s, int n, Iterable<Entry> entries) {
        String file = shardName(shown, s, n);
        FileChannel ch;
        try {
            ch = FileChannel.open(Path.of(shardName(prefix.toString(), s, n)), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new Finetune4jException(file + ": no such file (shard " + s + " of " + n + " of the checkpoint)");
        } catch (IOException e) {
            throw new Finetune4jException(file + ": cannot open (" + e.getClass().getSimpleName() + ")");
        }
        try {
            long size = ch.size();
            for (Entry e : entries) {
                if (e.shard() == s && e.offset() + e.size() > size) {
                    throw new Finetune4jException(file + ": tensor " + TfTable.quote(e.name()) + " at offset " + e.offset()
                            + " with " + e.size() + " bytes runs past the shard's end (" + size + " bytes; truncated?)");
                }
            }
            return ch;
        } catch (IOException | RuntimeException e) {
            closeAll(new FileChannel[] {ch});
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new Finetune4jException(file + ": cannot read its size");
        }
    }

    /** PREFIX.data-0000S-of-0000N. */
    static String shardName(String prefix, int s, int n) {
        return String.format("%s.data-%05d-of-%05d", prefix, s, n);
    }

    private static ByteBuffer readAll(Path file, String where) {
        try {
            if (Files.size(file) > Integer.MAX_VALUE) {
                throw new Finetune4jException(where + ": over 2 GiB, too large for a checkpoint index");
            }
            return ByteBuffer.wrap(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new Finetune4jException(where + ": no such file");
        } catch (IOException e) {
            throw new Finetune4jException(where + ": cannot read (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static void closeAll(FileChannel[] channels) {
        for (FileChannel c : channels) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (IOException ignored) {
                // read-only
            }
        }
    }
}
