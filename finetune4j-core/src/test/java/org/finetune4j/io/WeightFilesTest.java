package org.finetune4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.finetune4j.io.RawFiles.assertFails;
import static org.finetune4j.io.RawFiles.f32;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One view over a model folder: a single model.safetensors or shards behind an index. */
class WeightFilesTest {

    static final String SHARD1 = "model-00001-of-00002.safetensors";
    static final String SHARD2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path dir;

    private void writeShards() {
        SafeTensorsWriter.write(dir.resolve(SHARD1), List.of(f32("a", new long[] {2}, 1f, 2f),
                f32("b", new long[] {1}, 3f)), Map.of("format", "pt"));
        SafeTensorsWriter.write(dir.resolve(SHARD2), List.of(f32("c", new long[] {1, 2}, 4f, 5f)),
                Map.of("format", "pt"));
    }

    private void writeIndex(String weightMap) throws IOException {
        Files.writeString(dir.resolve(WeightFiles.INDEX),
                "{\"metadata\": {\"total_size\": 20}, \"weight_map\": {" + weightMap + "}}");
    }

    @Test
    void readsShardsThroughTheIndex() throws IOException {
        writeShards();
        writeIndex("\"a\": \"" + SHARD1 + "\", \"b\": \"" + SHARD1 + "\", \"c\": \"" + SHARD2 + "\"");
        try (WeightFiles w = WeightFiles.open(dir)) {
            assertThat(w.names()).containsExactly("a", "b", "c");
            assertThat(w.info("c").shape()).isEqualTo(new long[] {1, 2});
            assertThat(w.data("c").getFloat(4)).isEqualTo(5f);
            assertThat(w.data("a").getFloat(0)).isEqualTo(1f);
            assertThat(w.info("zzz")).isNull();
            assertThat(w.files()).extracting(SafeTensors::file)
                    .containsExactly(dir.resolve(SHARD1), dir.resolve(SHARD2));
            assertFails(() -> w.data("zzz"), dir, "no tensor 'zzz'");
        }
    }

    @Test
    void readsASingleFileFolderAndASingleFile() {
        SafeTensorsWriter.write(dir.resolve(WeightFiles.SINGLE), List.of(f32("x", new long[] {1}, 7f)), null);
        try (WeightFiles w = WeightFiles.open(dir)) {
            assertThat(w.names()).containsExactly("x");
            assertThat(w.data("x").getFloat(0)).isEqualTo(7f);
        }
        try (WeightFiles w = WeightFiles.open(dir.resolve(WeightFiles.SINGLE))) {
            assertThat(w.names()).containsExactly("x");
        }
    }

    @Test
    void missingShardIsNamed() throws IOException {
        writeShards();
        Files.delete(dir.resolve(SHARD2));
        writeIndex("\"a\": \"" + SHARD1 + "\", \"c\": \"" + SHARD2 + "\"");
        assertFails(() -> WeightFiles.open(dir), dir.resolve(SHARD2),
                "shard listed in model.safetensors.index.json does not exist");
    }

    @Test
    void nameMissingFromItsShardIsNamed() throws IOException {
        writeShards();
        writeIndex("\"a\": \"" + SHARD1 + "\", \"c\": \"" + SHARD1 + "\"");
        assertFails(() -> WeightFiles.open(dir), dir.resolve(SHARD1),
                "has no tensor 'c', which model.safetensors.index.json places there");
    }

    @Test
    void brokenShardIsNamed() throws IOException {
        writeShards();
        Files.write(dir.resolve(SHARD2), new byte[3]);
        writeIndex("\"a\": \"" + SHARD1 + "\", \"c\": \"" + SHARD2 + "\"");
        assertFails(() -> WeightFiles.open(dir), dir.resolve(SHARD2),
                "file is 3 bytes, too short for the 8-byte header length");
    }

    @Test
    void shardOutsideTheFolderIsRefused() throws IOException {
        writeShards();
        writeIndex("\"a\": \"../" + SHARD1 + "\"");
        assertFails(() -> WeightFiles.open(dir), dir.resolve(WeightFiles.INDEX),
                "weight_map entry 'a' names \"../" + SHARD1 + "\", not a file name in this folder");
    }

    @Test
    void badIndexIsNamed() throws IOException {
        Files.writeString(dir.resolve(WeightFiles.INDEX), "{\"metadata\": {}}");
        assertFails(() -> WeightFiles.open(dir), dir.resolve(WeightFiles.INDEX), "has no weight_map object");
        Files.writeString(dir.resolve(WeightFiles.INDEX), "[]");
        assertFails(() -> WeightFiles.open(dir), dir.resolve(WeightFiles.INDEX), "has no weight_map object");
    }

    @Test
    void folderWithNeitherFileIsNamed() {
        assertFails(() -> WeightFiles.open(dir), dir,
                "holds neither model.safetensors nor model.safetensors.index.json");
        Path missing = dir.resolve("nope");
        assertFails(() -> WeightFiles.open(missing), missing, "no such folder");
    }
}
