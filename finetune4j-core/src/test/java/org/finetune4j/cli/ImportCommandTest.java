package org.finetune4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.finetune4j.Fixtures;
import org.finetune4j.convert.TfBundleFiles;
import org.finetune4j.eval.InputsJson;
import org.finetune4j.io.SafeTensors;
import org.finetune4j.io.TensorInfo;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code import tf-checkpoint} and {@code import onnx} on small generated inputs (scripts/make-import-fixtures.py):
 * a TensorFlow checkpoint of the fixture bert-mlm must give back its tensors exactly, the ONNX export
 * of its body too, with onnxruntime's hidden states.
 */
class ImportCommandTest {

    @TempDir
    Path tmp;

    static Path resource(String name) {
        try {
            return Paths.get(ImportCommandTest.class.getResource("/import/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every tensor's name mapped to its shape and bytes, with {@code strip} removed from the names. */
    static Map<String, String> tensors(Path file, String strip) {
        Map<String, String> out = new TreeMap<>();
        try (SafeTensors st = SafeTensors.open(file)) {
            for (TensorInfo t : st.tensors()) {
                if (t.name().startsWith(strip) || strip.isEmpty()) {
                    ByteBuffer b = st.data(t.name());
                    byte[] bytes = new byte[b.remaining()];
                    b.get(bytes);
                    out.put(t.name().substring(strip.length()), t.dtype() + java.util.Arrays.toString(t.shape())
                            + java.util.HexFormat.of().formatHex(bytes));
                }
            }
        }
        return out;
    }

    // ---- TensorFlow checkpoints ----

    @Test
    void googlesCheckpointGivesBackTheFixtureExactly() {
        Path out = tmp.resolve("bert");
        CliRun r = CliRun.of("import", "tf-checkpoint", resource("tf-bert-mlm"), "--out", out);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("BertForMaskedLM: 2 layers, hidden 32, 4 heads, feed-forward 64, vocab 275, 64 positions",
                "tensors: 42 written, skipped: 1 global_step, 84 optimizer slots", "bert_config.json", "(275 tokens, lower-cased)");
        assertThat(tensors(out.resolve("model.safetensors"), ""))
                .isEqualTo(tensors(Fixtures.dir("bert-mlm").resolve("model.safetensors"), ""));
        JsonNode config = Fixtures.json(out.resolve("config.json"));
        assertThat(config.get("architectures").get(0).asText()).isEqualTo("BertForMaskedLM");
        assertThat(config.get("num_attention_heads").asInt()).isEqualTo(4);
        assertThat(Fixtures.json(out.resolve("tokenizer_config.json")).get("do_lower_case").asBoolean()).isTrue();
        CliRun inspect = CliRun.of("inspect", out, "--json");
        assertThat(inspect.code()).as(inspect.err()).isZero();
        assertThat(inspect.out()).contains("\"newly_initialised\" : [ ]", "\"unexpected\" : [ ]");
        assertThat(CliRun.of("tokenize", out, "the cat").out()).isEqualTo(CliRun.of("tokenize", Fixtures.dir("bert-mlm"), "the cat").out());
    }

    @Test
    void shardedPretrainingCheckpointUnderAModuleScope() {
        Path out = tmp.resolve("pre");
        CliRun r = CliRun.of("import", "tf-checkpoint", resource("tf-bert-pretraining").resolve("model.ckpt"), "--out", out,
                "--heads", "4", "--vocab", resource("tf-bert-mlm/vocab.txt"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("BertForPreTraining: 2 layers, hidden 32, 4 heads", "config: from the tensor shapes");
        assertThat(tensors(out.resolve("model.safetensors"), ""))
                .isEqualTo(tensors(resource("tf-bert-pretraining/expected.safetensors"), ""));
        CliRun inspect = CliRun.of("inspect", out, "--json");
        assertThat(inspect.out()).contains("\"class\" : \"BertForPreTraining\"", "\"newly_initialised\" : [ ]", "\"unexpected\" : [ ]");
    }

    @Test
    void savedModelFolderItsZipAndAJarHoldingTheZipAreAccepted() throws IOException {
        Path saved = tmp.resolve("saved");
        Files.createDirectories(saved.resolve("variables"));
        Files.createDirectories(saved.resolve("assets"));
        Path src = resource("tf-bert-mlm");
        Files.copy(src.resolve("bert_model.ckpt.index"), saved.resolve("variables/variables.index"));
        Files.copy(src.resolve("bert_model.ckpt.data-00000-of-00001"), saved.resolve("variables/variables.data-00000-of-00001"));
        Files.copy(src.resolve("vocab.txt"), saved.resolve("assets/vocab.txt"));
        Path zip = tmp.resolve("saved.zip");
        zip(zip, Map.of("variables/variables.index", saved.resolve("variables/variables.index"),
                "variables/variables.data-00000-of-00001", saved.resolve("variables/variables.data-00000-of-00001"),
                "assets/vocab.txt", saved.resolve("assets/vocab.txt"), "saved_model.pb", src.resolve("vocab.txt")));
        Path jar = tmp.resolve("model.jar");
        zip(jar, Map.of("META-INF/MANIFEST.MF", src.resolve("bert_config.json"), "com/example/bert-tiny", zip));
        Map<String, String> expected = tensors(Fixtures.dir("bert-mlm").resolve("model.safetensors"), "");
        for (Path source : new Path[] {saved, zip, jar}) {
            Path out = tmp.resolve("out-" + source.getFileName());
            CliRun r = CliRun.of("import", "tf-checkpoint", source, "--out", out, "--heads", "4");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(tensors(out.resolve("model.safetensors"), "")).isEqualTo(expected);
            assertThat(out.resolve("vocab.txt")).exists();
        }
        assertThat(CliRun.of("import", "tf-checkpoint", jar, "--out", tmp.resolve("j2")).out())
                .contains("model.jar!/com/example/bert-tiny!/assets/vocab.txt");
    }

    @Test
    void headsFromTheFlagMustAgreeWithTheConfig() {
        Path out = tmp.resolve("x");
        assertError(CliRun.of("import", "tf-checkpoint", resource("tf-bert-mlm"), "--out", out, "--heads", "2"), out,
                "bert_config.json: num_attention_heads is 4 but --heads says 2");
        assertError(CliRun.of("import", "tf-checkpoint", resource("tf-bert-pretraining").resolve("model.ckpt"), "--out", out,
                "--heads", "3"),
                out, "hidden size 32 is not a multiple of 3 attention heads");
        assertThat(CliRun.of("import", "tf-checkpoint", resource("tf-bert-mlm"), "--out", out, "--heads", "0").code()).isEqualTo(2);
        Path missing = tmp.resolve("no-vocab.txt");
        assertError(CliRun.of("import", "tf-checkpoint", resource("tf-bert-mlm"), "--out", out, "--vocab", missing), out,
                missing + ": no such file");
        assertError(CliRun.of("import", "tf-checkpoint", resource("tf-bert-mlm"), "--out", out, "--config", missing), out,
                missing + ": no such file");
    }

    // ---- bad TensorFlow input: one line naming the file and the tensor, nothing in --out ----

    @Test
    void truncatedIndex() throws IOException {
        importTf(damaged("bert_model.ckpt.index", b -> java.util.Arrays.copyOf(b, b.length / 2)),
                "bert_model.ckpt.index: no table footer at the end of its 2164 bytes (the file is truncated or not a"
                        + " TensorFlow checkpoint index)");
    }

    @Test
    void damagedIndexBlockFailsItsChecksum() throws IOException {
        importTf(damaged("bert_model.ckpt.index", b -> flip(b, 20)),
                "bert_model.ckpt.index: data block at offset 0 fails its CRC32C check (the file is damaged)");
    }

    @Test
    void offsetPastTheShardsEnd() throws IOException {
        importTf(damaged("bert_model.ckpt.data-00000-of-00001", b -> java.util.Arrays.copyOf(b, b.length - 100)),
                "bert_model.ckpt.data-00000-of-00001: tensor 'cls/predictions/transform/dense/kernel/adam_v' at offset"
                        + " 349412 with 4096 bytes runs past the shard's end (353416 bytes; truncated?)");
    }

    @Test
    void damagedTensorFailsItsChecksum() throws IOException {
        importTf(damaged("bert_model.ckpt.data-00000-of-00001", b -> flip(b, 5)),
                "fails its CRC32C check (the shard is damaged)");
    }

    /** A copy of tf-bert-mlm whose {@code file} went through {@code change}. */
    private Path damaged(String file, java.util.function.UnaryOperator<byte[]> change) throws IOException {
        Path ckpt = copyCheckpoint("tf-bert-mlm");
        Files.write(ckpt.resolve(file), change.apply(Files.readAllBytes(ckpt.resolve(file))));
        return ckpt;
    }

    private static byte[] flip(byte[] b, int at) {
        b[at] ^= 1;
        return b;
    }

    @Test
    void missingShard() throws IOException {
        Path ckpt = copyCheckpoint("tf-bert-pretraining");
        Files.delete(ckpt.resolve("model.ckpt.data-00001-of-00002"));
        importTf(ckpt, "model.ckpt.data-00001-of-00002: no such file (shard 1 of 2 of the checkpoint)");
    }

    @Test
    void unknownAndUnsupportedDtypes() throws IOException {
        for (int[] code : new int[][] {{99}, {2}}) {
            Path prefix = tmp.resolve("d" + code[0]).resolve("m.ckpt");
            Files.createDirectories(prefix.getParent());
            TfBundleFiles.write(prefix, 0, "bert/embeddings/word_embeddings", code[0]);
            importTf(prefix, "m.ckpt.index: tensor 'bert/embeddings/word_embeddings': dtype "
                    + (code[0] == 99 ? "99 (unknown)" : "DT_DOUBLE (2)") + " is not supported");
        }
    }

    @Test
    void compressedTableBlockIsRefusedByName() throws IOException {
        Path prefix = tmp.resolve("c").resolve("m.ckpt");
        Files.createDirectories(prefix.getParent());
        TfBundleFiles.write(prefix, 1, null, 1);
        importTf(prefix, "m.ckpt.index: data block at offset 0 is Snappy-compressed, which import does not read");
    }

    @Test
    void namesThatMapToNothing() throws IOException {
        Path prefix = tmp.resolve("n").resolve("m.ckpt");
        Files.createDirectories(prefix.getParent());
        TfBundleFiles.write(prefix, 0, "output_weights", 1);
        importTf(prefix, "m.ckpt.index: tensor 'output_weights' maps to weight, which is no weight of this BERT model");
        Path twice = tmp.resolve("t").resolve("m.ckpt");
        Files.createDirectories(twice.getParent());
        TfBundleFiles.write(twice, 0, "module/bert/embeddings/word_embeddings", 1);
        importTf(twice, "m.ckpt.index: tensors 'bert/embeddings/word_embeddings' and 'module/bert/embeddings/word_embeddings'"
                + " both map to bert.embeddings.word_embeddings.weight");
        Path noBert = tmp.resolve("nb").resolve("m.ckpt");
        Files.createDirectories(noBert.getParent());
        TfBundleFiles.write(noBert, 0, null, 0);
        Files.writeString(tmp.resolve("nb/bert_config.json"), "{\"hidden_size\": 64}");
        importTf(noBert, "bert_config.json: hidden_size is 64 but the checkpoint's weights say 4");
    }

    @Test
    void anOutputFolderThatIsNotEmptyIsLeftAlone() throws IOException {
        Path out = tmp.resolve("taken");
        Files.createDirectories(out);
        Files.writeString(out.resolve("notes.txt"), "keep");
        CliRun r = CliRun.of("import", "tf-checkpoint", resource("tf-bert-mlm"), "--out", out);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: " + out + ": exists and is not empty; choose a new folder for --out\n");
        assertThat(Files.readString(out.resolve("notes.txt"))).isEqualTo("keep");
        assertThat(CliRun.of("import").code()).isEqualTo(2);
        assertThat(CliRun.of("import", "--help").out()).contains("tf-checkpoint", "onnx");
        assertThat(CliRun.of("--help").out()).contains("import");
    }

    // ---- ONNX ----

    @Test
    void onnxExportGivesBackTheFixturesBodyAndOnnxRuntimesHiddenStates() throws IOException {
        Path out = tmp.resolve("onnx");
        CliRun r = CliRun.of("import", "onnx", resource("onnx-bert/model.onnx"), "--out", out);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("BertModel: 2 layers, hidden 32, 4 heads", "heads: 4 (from the graph's attention Reshape)",
                "pooler: not in the export");
        assertThat(tensors(out.resolve("model.safetensors"), ""))
                .isEqualTo(tensors(Fixtures.dir("bert-mlm").resolve("model.safetensors"), "bert."));
        assertThat(CliRun.of("inspect", out, "--json").out()).contains("\"newly_initialised\" : [ ]", "\"unexpected\" : [ ]");
        JsonNode golden = Fixtures.json(resource("onnx-bert/golden.json"));
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(out, null, 0).model();
            float[] hidden = model.forward(InputsJson.read(golden), Forward.eval()).logits().toFloatArray();
            float[] expected = flatten(golden.get("last_hidden_state"));
            assertThat(hidden).hasSameSizeAs(expected);
            for (int i = 0; i < hidden.length; i++) {
                assertThat(hidden[i]).as("element %d", i).isCloseTo(expected[i], within(1e-5f));
            }
        }
    }

    @Test
    void aJarHoldingTheExportAndItsTokenizerIsReadDirectly() throws IOException {
        Path jar = tmp.resolve("embeddings.jar");
        zip(jar, Map.of("tiny-bert.onnx", resource("onnx-bert/model.onnx"), "tiny-bert-tokenizer.json",
                resource("onnx-bert/tokenizer.json"), "README", resource("onnx-bert/tokenizer.json")));
        Path out = tmp.resolve("from-jar");
        CliRun r = CliRun.of("import", "onnx", jar, "--out", out);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("tokenizer: " + jar + "!/tiny-bert-tokenizer.json (lower-cased)");
        assertThat(out.resolve("tokenizer.json")).hasSameBinaryContentAs(resource("onnx-bert/tokenizer.json"));
        assertThat(CliRun.of("tokenize", out, "the cat sat").out().lines().skip(1).toList()) // the first line names the files
                .isEqualTo(CliRun.of("tokenize", Fixtures.dir("bert-mlm"), "the cat sat").out().lines().skip(1).toList());
        assertThat(CliRun.of("import", "onnx", resource("onnx-bert/model.onnx"), "--out", tmp.resolve("h"), "--heads", "2").err())
                .contains("the graph splits attention into 4 heads but --heads says 2");
    }

    private static float[] flatten(JsonNode n) {
        java.util.List<Float> v = new java.util.ArrayList<>();
        flatten(n, v);
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    private static void flatten(JsonNode n, java.util.List<Float> into) {
        if (n.isArray()) {
            n.forEach(c -> flatten(c, into));
        } else {
            into.add(n.floatValue());
        }
    }

    // ---- helpers ----

    private Path copyCheckpoint(String name) throws IOException {
        Path dir = tmp.resolve("copy-" + name);
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(resource(name))) {
            for (Path p : s.toList()) {
                Files.copy(p, dir.resolve(p.getFileName()));
            }
        }
        return dir;
    }

    private void importTf(Path source, String message) {
        Path out = tmp.resolve("never");
        assertError(CliRun.of("import", "tf-checkpoint", source, "--out", out), out, message);
    }

    /** Exit 1, one line that starts with "error: " and contains {@code message}, and nothing in or beside {@code out}. */
    static void assertError(CliRun r, Path out, String message) {
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("error: ").contains(message);
        assertThat(out).doesNotExist();
        try (Stream<Path> s = Files.list(out.toAbsolutePath().getParent())) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".import-"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void zip(Path zip, Map<String, Path> entries) throws IOException {
        try (OutputStream o = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(o)) {
            for (var e : new TreeMap<>(entries).entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(Files.readAllBytes(e.getValue()));
                z.closeEntry();
            }
        }
    }
}
