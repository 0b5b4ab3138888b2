package org.finetune4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.finetune4j.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.finetune4j.io.RawFiles.assertFails;
import static org.finetune4j.io.RawFiles.f32;

/** Round trips of every dtype, the Python layout, and atomic replacement of the target. */
class SafeTensorsWriterTest {

    @TempDir
    Path dir;

    /** A tensor of {@code t} whose bytes count up from {@code seed}. */
    private static TensorData counting(String name, DType t, long[] shape, int seed) {
        int n = (int) TensorInfo.numel(shape) * t.size();
        ByteBuffer b = ByteBuffer.allocate(n);
        for (int i = 0; i < n; i++) {
            b.put((byte) (t == DType.BOOL ? (i + seed) % 2 : seed + i * 7));
        }
        return new TensorData(name, t, shape, b.flip());
    }

    private List<TensorData> everyDtype() {
        List<TensorData> all = new ArrayList<>();
        int seed = 1;
        for (DType t : DType.values()) {
            all.add(counting("w." + t.name().toLowerCase(), t, new long[] {2, 3}, seed++));
        }
        all.add(counting("scalar", DType.F64, new long[] {}, 99));
        all.add(counting("empty", DType.I8, new long[] {0, 4}, 0));
        return all;
    }

    @Test
    void roundTripsEveryDtypeWithMetadata() {
        Path f = dir.resolve("model.safetensors");
        Map<String, String> meta = Map.of("format", "pt", "note", "héllo \"quoted\"");
        List<TensorData> written = everyDtype();
        SafeTensorsWriter.write(f, written, meta);
        try (SafeTensors st = SafeTensors.open(f)) {
            assertThat(st.metadata()).isEqualTo(meta);
            assertThat(st.tensors()).hasSize(written.size());
            for (TensorData t : written) {
                TensorInfo info = st.info(t.name());
                assertThat(info.dtype()).isEqualTo(t.dtype());
                assertThat(info.shape()).isEqualTo(t.shape());
                assertThat(st.data(t.name())).isEqualTo(t.bytes());
            }
        }
    }

    @Test
    void layoutIsWhatThePythonLibraryWrites() throws IOException {
        Path f = dir.resolve("model.safetensors");
        SafeTensorsWriter.write(f, everyDtype(), Map.of("format", "pt"));
        byte[] raw = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat(n % 8).isZero();
        assertThat(raw[(int) (8 + n - 1)]).isIn((byte) ' ', (byte) '}');
        JsonNode header = new ObjectMapper().readTree(new String(raw, 8, (int) n, "UTF-8"));
        Iterator<String> keys = header.fieldNames();
        assertThat(keys.next()).isEqualTo("__metadata__");
        List<String> order = new ArrayList<>();
        keys.forEachRemaining(order::add);
        // the order safetensors 0.8 (Python) writes the same tensors in: dtype (its enum's order, last first), then name
        assertThat(order).containsExactly("w.i64", "scalar", "w.f64", "w.f32", "w.i32",
                "w.bf16", "w.f16", "w.i16", "empty", "w.i8", "w.u8", "w.bool");
        try (SafeTensors st = SafeTensors.open(f)) {
            for (TensorInfo t : st.tensors()) { // each tensor is aligned to its element size
                assertThat((8 + n + t.begin()) % t.dtype().size()).as(t.name()).isZero();
            }
        }
    }

    @Test
    void noMetadataMeansNoMetadataEntry() throws IOException {
        Path f = dir.resolve("a.safetensors");
        SafeTensorsWriter.write(f, List.of(f32("x", new long[] {1}, 1f)), null);
        assertThat(new String(Files.readAllBytes(f), 8, 10, "UTF-8")).startsWith("{\"x\":");
        try (SafeTensors st = SafeTensors.open(f)) {
            assertThat(st.metadata()).isEmpty();
        }
    }

    @Test
    void overwritingReplacesTheWholeFile() throws IOException {
        Path f = dir.resolve("model.safetensors");
        SafeTensorsWriter.write(f, List.of(f32("big", new long[] {1000}, new float[1000])), null);
        SafeTensorsWriter.write(f, List.of(f32("small", new long[] {2}, 5f, 6f)), null);
        try (SafeTensors st = SafeTensors.open(f)) {
            assertThat(st.tensors()).extracting(TensorInfo::name).containsExactly("small");
            assertThat(st.data("small").getFloat(4)).isEqualTo(6f);
        }
        assertThat(filesIn(dir)).containsExactly(f);
    }

    @Test
    void aBadTensorFailsBeforeAnythingIsWrittenAndLeavesTheOldFile() throws IOException {
        Path f = dir.resolve("model.safetensors");
        SafeTensorsWriter.write(f, List.of(f32("old", new long[] {2}, 1f, 2f)), Map.of("v", "1"));
        byte[] before = Files.readAllBytes(f);
        TensorData wrong = new TensorData("w", DType.F32, new long[] {10, 4}, ByteBuffer.allocate(100));
        assertFails(() -> SafeTensorsWriter.write(f, List.of(f32("ok", new long[] {1}, 3f), wrong), null), f,
                "tensor 'w' has 100 bytes but shape [10, 4] of F32 needs 160");
        assertThat(Files.readAllBytes(f)).isEqualTo(before);
        assertThat(filesIn(dir)).containsExactly(f);
    }

    @Test
    void aFailedRenameLeavesNoTemporaryFile() throws IOException {
        Path target = Files.createDirectory(dir.resolve("model.safetensors"));
        Files.writeString(target.resolve("keep.txt"), "x");
        try {
            SafeTensorsWriter.write(target, List.of(f32("x", new long[] {1}, 1f)), null);
            throw new AssertionError("expected a failure");
        } catch (org.finetune4j.Finetune4jException e) {
            assertThat(e.getMessage()).startsWith(target + ": cannot write: ").doesNotContain("\n");
        }
        assertThat(filesIn(dir)).containsExactly(target);
        assertThat(target.resolve("keep.txt")).hasContent("x");
    }

    @Test
    void invalidTensorsAndMetadataAreRefused() throws IOException {
        Path f = dir.resolve("m.safetensors");
        assertFails(() -> SafeTensorsWriter.write(f, List.of(f32("a", new long[] {1}, 1f),
                f32("a", new long[] {1}, 2f)), null), f, "tensor 'a' appears twice");
        assertFails(() -> SafeTensorsWriter.write(f, List.of(f32("__metadata__", new long[] {1}, 1f)), null),
                f, "tensor '__metadata__' has the reserved name __metadata__");
        assertFails(() -> SafeTensorsWriter.write(f, List.of(f32("n", new long[] {-1, 2})), null),
                f, "tensor 'n' shape [-1, 2] has a negative dimension");
        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("k", null);
        assertFails(() -> SafeTensorsWriter.write(f, List.of(), nullValue), f, "metadata has a null key or value");
        Path nowhere = dir.resolve("missing/m.safetensors");
        assertFails(() -> SafeTensorsWriter.write(nowhere, List.of(), null), nowhere,
                "the folder to write into does not exist");
        assertThat(filesIn(dir)).isEmpty();
    }

    private static List<Path> filesIn(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
