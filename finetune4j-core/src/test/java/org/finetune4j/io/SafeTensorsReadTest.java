package org.finetune4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.finetune4j.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/** Reads files written by the Python library, and writes them back byte for byte. */
class SafeTensorsReadTest {

    static final Path FIXTURES = org.finetune4j.Fixtures.dir("");
    static final Path BERT = FIXTURES.resolve("bert-seqcls/model.safetensors");

    @TempDir
    Path dir;

    @Test
    void readsAPythonWrittenFile() {
        try (SafeTensors st = SafeTensors.open(BERT)) {
            assertThat(st.metadata()).isEqualTo(Map.of("format", "pt"));
            assertThat(st.tensors()).hasSize(41);
            assertThat(st.tensors().get(0).name()).isEqualTo("bert.embeddings.LayerNorm.bias");
            TensorInfo emb = st.info("bert.embeddings.word_embeddings.weight");
            assertThat(emb).isEqualTo(new TensorInfo("bert.embeddings.word_embeddings.weight",
                    DType.F32, new long[] {275, 32}, 8704, 43904));
            ByteBuffer data = st.data(emb.name());
            assertThat(data.isReadOnly()).isTrue();
            assertThat(data.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            assertThat(data.remaining()).isEqualTo(275 * 32 * 4);
            assertThat(data.getFloat(0)).isEqualTo(0f); // padding row
            assertThat(data.getFloat(data.limit() - 4)).isEqualTo(0.006308883428573608f);
            assertThat(st.info("missing")).isNull();
        }
    }

    @Test
    void tensorsComeInFileOrder() {
        try (SafeTensors st = SafeTensors.open(BERT)) {
            long pos = 0;
            for (TensorInfo t : st.tensors()) {
                assertThat(t.begin()).isEqualTo(pos);
                assertThat(t.end() - t.begin()).isEqualTo(t.byteCount());
                pos = t.end();
            }
        }
    }

    @Test
    void readsEveryFixturePresent() throws IOException {
        for (Path f : fixtureFiles()) {
            try (SafeTensors st = SafeTensors.open(f)) {
                assertThat(st.tensors()).as(f.toString()).isNotEmpty();
                for (TensorInfo t : st.tensors()) {
                    assertThat(st.data(t.name()).remaining()).isEqualTo(t.byteCount());
                }
            }
        }
    }

    @Test
    void rewritingPythonFilesReproducesThemByteForByte() throws IOException {
        Path copy = dir.resolve("model.safetensors");
        for (Path f : fixtureFiles()) {
            try (SafeTensors st = SafeTensors.open(f)) {
                List<TensorData> all = st.tensors().stream()
                        .map(t -> new TensorData(t.name(), t.dtype(), t.shape(), st.data(t.name())))
                        .toList();
                SafeTensorsWriter.write(copy, all, st.metadata());
            }
            assertThat(Files.readAllBytes(copy)).as(f.toString()).isEqualTo(Files.readAllBytes(f));
        }
    }

    private static List<Path> fixtureFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(FIXTURES)) {
            s.filter(p -> p.toString().endsWith(".safetensors")).sorted().forEach(files::add);
        }
        assertThat(files).contains(BERT);
        return files;
    }

    @Test
    void buffersStayReadableAfterClose() {
        ByteBuffer data;
        try (SafeTensors st = SafeTensors.open(BERT)) {
            data = st.data("classifier.bias");
        }
        assertThat(data.remaining()).isEqualTo(8);
        data.getFloat(4);
    }

    @Test
    void dataAfterCloseOrOfAnAbsentTensorFails() {
        SafeTensors st = SafeTensors.open(BERT);
        RawFiles.assertFails(() -> st.data("nope"), BERT, "no tensor 'nope'");
        st.close();
        RawFiles.assertFails(() -> st.data("classifier.bias"), BERT, "is closed");
    }
}
