package org.finetune4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The weights of a model folder as one view: {@code model.safetensors}, or the shards that
 * {@code model.safetensors.index.json} lists (the single file wins when both exist, as in
 * Transformers). Every shard's header is validated when the folder is opened.
 */
public final class WeightFiles implements AutoCloseable {

    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final String where;
    private final Map<String, SafeTensors> byName;
    private final List<SafeTensors> files;

    private WeightFiles(String where, Map<String, SafeTensors> byName, List<SafeTensors> files) {
        this.where = where;
        this.byName = Collections.unmodifiableMap(byName);
        this.files = List.copyOf(files);
    }

    /** Opens the weights of {@code modelDir} (a folder, or one safetensors file). */
    public static WeightFiles open(Path modelDir) {
        String where = Text.where(modelDir);
        if (Files.isRegularFile(modelDir)) {
            return single(modelDir);
        }
        if (!Files.isDirectory(modelDir)) {
            throw Text.error(where + ": no such folder");
        }
        if (Files.isRegularFile(modelDir.resolve(SINGLE))) {
            return single(modelDir.resolve(SINGLE));
        }
        if (Files.isRegularFile(modelDir.resolve(INDEX))) {
            return sharded(modelDir, modelDir.resolve(INDEX));
        }
        throw Text.error(where + ": holds neither " + SINGLE + " nor " + INDEX);
    }

    private static WeightFiles single(Path file) {
        SafeTensors st = SafeTensors.open(file);
        Map<String, SafeTensors> byName = new TreeMap<>();
        st.tensors().forEach(t -> byName.put(t.name(), st));
        return new WeightFiles(Text.where(file), byName, List.of(st));
    }

    private static WeightFiles sharded(Path dir, Path index) {
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, SafeTensors> shards = new TreeMap<>();
        try {
            for (String shard : new TreeSet<>(weightMap.values())) {
                shards.put(shard, openShard(dir.resolve(shard)));
            }
            Map<String, SafeTensors> byName = new TreeMap<>();
            weightMap.forEach((name, shard) -> byName.put(name, checkListed(shards.get(shard), name)));
            return new WeightFiles(Text.where(dir), byName, new ArrayList<>(shards.values()));
        } catch (RuntimeException e) {
            shards.values().forEach(SafeTensors::close);
            throw e;
        }
    }

    private static SafeTensors openShard(Path shard) {
        if (!Files.isRegularFile(shard)) {
            throw Text.error(Text.where(shard) + ": shard listed in " + INDEX + " does not exist");
        }
        return SafeTensors.open(shard);
    }

    private static SafeTensors checkListed(SafeTensors shard, String name) {
        if (shard.info(name) == null) {
            throw Text.error(Text.where(shard.file()) + ": has no tensor " + Text.quote(name)
                    + ", which " + INDEX + " places there");
        }
        return shard;
    }

    /** The index's weight_map: tensor name to shard file name (a plain name in the same folder). */
    private static Map<String, String> readWeightMap(Path index) {
        String where = Text.where(index);
        JsonNode root = Json.parse(readSmall(index, where), where);
        JsonNode map = root.get("weight_map");
        if (!root.isObject() || map == null || !map.isObject()) {
            throw Text.error(where + ": has no weight_map object");
        }
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            String shard = e.getValue().isTextual() ? e.getValue().textValue() : null;
            if (shard == null || !isPlainFileName(shard)) {
                throw Text.error(where + ": weight_map entry " + Text.quote(e.getKey()) + " names "
                        + Text.printable(e.getValue().toString()) + ", not a file name in this folder");
            }
            out.put(e.getKey(), shard);
        }
        return out;
    }

    private static boolean isPlainFileName(String s) {
        return !s.isEmpty() && !s.equals(".") && !s.equals("..") && s.indexOf('/') < 0
                && s.indexOf('\\') < 0 && s.indexOf('\0') < 0;
    }

    private static byte[] readSmall(Path file, String where) {
        try {
            long size = Files.size(file);
            if (size > Json.MAX_BYTES) {
                throw Text.error(where + ": is " + size + " bytes, over the limit of " + Json.MAX_BYTES);
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw Text.error(where + ": cannot read: " + Text.describe(e));
        }
    }

    /** All tensor names, sorted. */
    public Set<String> names() {
        return byName.keySet();
    }

    /** The tensor called {@code name}, or null. */
    public TensorInfo info(String name) {
        SafeTensors st = byName.get(name);
        return st == null ? null : st.info(name);
    }

    /** The bytes of tensor {@code name}, as {@link SafeTensors#data}; an error if absent. */
    public ByteBuffer data(String name) {
        SafeTensors st = byName.get(name);
        if (st == null) {
            throw Text.error(where + ": no tensor " + Text.quote(name));
        }
        return st.data(name);
    }

    /** Copies the bytes of tensor {@code name} into {@code into}, as {@link SafeTensors#read}; an error if absent. */
    public void read(String name, ByteBuffer into) {
        SafeTensors st = byName.get(name);
        if (st == null) {
            throw Text.error(where + ": no tensor " + Text.quote(name));
        }
        st.read(name, into);
    }

    /** The weights file, or the shard index, for error messages. */
    public String where() {
        return where;
    }

    /** The file that holds tensor {@code name} (for error messages), or the folder when absent. */
    public String fileOf(String name) {
        SafeTensors st = byName.get(name);
        return st == null ? where : Text.where(st.file());
    }

    /** The open files, one per shard, sorted by file name. */
    public List<SafeTensors> files() {
        return files;
    }

    @Override
    public void close() {
        files.forEach(SafeTensors::close);
    }
}
