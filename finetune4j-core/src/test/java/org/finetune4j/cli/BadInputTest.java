package org.finetune4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.finetune4j.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The foundation's bad inputs through the CLI: each gives exit code 1 and one line on stderr,
 * {@code error: <file>: <what is wrong>}, with no stack trace unless --verbose. Each test copies a
 * fixture into a temporary folder and damages one file.
 */
class BadInputTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path tmp;

    // ---- model.safetensors ----

    @Test
    void weightsCutInTheMiddleOfTheData() throws IOException {
        Path dir = copy("bert-seqcls");
        Path st = dir.resolve("model.safetensors");
        long dataStart = 8 + headerLength(st);
        truncate(st, dataStart + (Files.size(st) - dataStart) / 2);
        assertError(CliRun.of("inspect", dir), st, "run past the end of the data area");
        assertError(CliRun.of("forward", dir, "--inputs", golden("bert-seqcls")), st, "run past the end of the data area");
    }

    @Test
    void weightsCutToFiveBytes() throws IOException {
        Path dir = copy("gpt2-lm");
        Path st = dir.resolve("model.safetensors");
        truncate(st, 5);
        assertError(CliRun.of("inspect", dir), st, "file is 5 bytes, too short for the 8-byte header length");
        assertError(CliRun.of("generate", "--model", dir, "--prompt", "hi"), st, "file is 5 bytes");
    }

    @Test
    void headerLengthPastTheEndOfTheFile() throws IOException {
        Path dir = copy("bert-seqcls");
        Path st = dir.resolve("model.safetensors");
        long size = Files.size(st);
        writeLength(st, size - 7);
        assertError(CliRun.of("inspect", dir), st, "header length " + (size - 7) + " exceeds the " + (size - 8)
                + " bytes after the length field");
    }

    @Test
    void headerOverOneHundredMegabytesIsRefusedUnread() throws IOException {
        Path dir = copy("bert-seqcls");
        Path st = dir.resolve("model.safetensors");
        byte[] bytes = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(150_000_000L)
                .put("{\"a\"".getBytes(StandardCharsets.US_ASCII)).array();
        Files.write(st, bytes);
        assertError(CliRun.of("inspect", dir), st, "header length 150000000 exceeds the 4 bytes after the length field");
        try (RandomAccessFile raf = new RandomAccessFile(st.toFile(), "rw")) {
            raf.setLength(150_000_100L); // sparse: the length fits the file, only the cap refuses it
        }
        assertError(CliRun.of("inspect", dir), st, "header length 150000000 exceeds the limit of 100000000 bytes");
    }

    @Test
    void overlappingDataOffsets() throws IOException {
        Path dir = copy("bert-seqcls");
        Path st = dir.resolve("model.safetensors");
        rewriteHeader(st, h -> shift(byOffset(h).get(1), -4));
        assertError(CliRun.of("inspect", dir), st, "overlap");
    }

    @Test
    void dataOffsetsPastTheDataArea() throws IOException {
        Path dir = copy("bert-seqcls");
        Path st = dir.resolve("model.safetensors");
        rewriteHeader(st, h -> {
            List<ObjectNode> sorted = byOffset(h);
            shift(sorted.get(sorted.size() - 1), 4);
        });
        assertError(CliRun.of("inspect", dir), st, "run past the end of the data area");
    }

    @Test
    void byteCountDisagreesWithTheShape() throws IOException {
        Path dir = copy("bert-seqcls");
        Path st = dir.resolve("model.safetensors");
        rewriteHeader(st, h -> ((ObjectNode) h.get("bert.embeddings.LayerNorm.bias")).putArray("shape").add(31));
        assertError(CliRun.of("inspect", dir), st,
                "tensor 'bert.embeddings.LayerNorm.bias' data_offsets", "hold 128 bytes but shape [31] of F32 needs 124");
    }

    @Test
    void unknownDtype() throws IOException {
        Path dir = copy("bert-seqcls");
        Path st = dir.resolve("model.safetensors");
        rewriteHeader(st, h -> ((ObjectNode) h.get("classifier.bias")).put("dtype", "F4X"));
        assertError(CliRun.of("inspect", dir), st, "tensor 'classifier.bias' has unknown dtype 'F4X'; known: F32");
    }

    // ---- config.json ----

    @Test
    void configThatIsNotJson() throws IOException {
        Path dir = copy("bert-seqcls");
        Path cfg = Files.writeString(dir.resolve("config.json"), "{\"model_type\": bert}");
        assertError(CliRun.of("inspect", dir), cfg, "not valid JSON");
    }

    @Test
    void jsonWithSomethingAfterItsValue() throws IOException {
        Path dir = copy("bert-seqcls");
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg) + "}}}");
        assertError(CliRun.of("inspect", dir), cfg, "config.json:26: not valid JSON");
        Path inputs = Files.writeString(tmp.resolve("inputs.json"), "{\"input_ids\": [[2, 3]]} []");
        assertError(CliRun.of("forward", Fixtures.dir("bert-seqcls"), "--inputs", inputs), inputs, "not valid JSON");
    }

    @Test
    void aForwardThatFailsAfterLoadingANewHeadPrintsOneLine() throws IOException {
        Path dir = copy("bert-mlm");
        editConfig(dir, c -> c.putArray("architectures").add("BertForTokenClassification"));
        assertError(CliRun.of("forward", dir, "--inputs", golden("bert-mlm")), golden("bert-mlm"), "cannot run on these inputs");
    }

    @Test
    void configThatIsAnArray() throws IOException {
        Path dir = copy("bert-seqcls");
        Path cfg = Files.writeString(dir.resolve("config.json"), "[{\"model_type\": \"bert\"}]");
        assertError(CliRun.of("inspect", dir), cfg, "must hold a JSON object");
    }

    @Test
    void configWithoutModelType() throws IOException {
        Path dir = copy("bert-seqcls");
        Path cfg = editConfig(dir, c -> c.remove("model_type"));
        assertError(CliRun.of("inspect", dir), cfg, "missing 'model_type'");
    }

    @Test
    void configKeyOfTheWrongType() throws IOException {
        Path dir = copy("bert-seqcls");
        Path cfg = editConfig(dir, c -> c.put("hidden_size", "big"));
        assertError(CliRun.of("inspect", dir), cfg, "'hidden_size' must be an integer, got \"big\"");
    }

    @Test
    void unknownModelTypeListsTheSupportedOnes() throws IOException {
        Path dir = copy("bert-seqcls");
        Path cfg = editConfig(dir, c -> c.put("model_type", "t5"));
        assertError(CliRun.of("inspect", dir), cfg,
                "unsupported model_type 't5' (supported: bert, distilbert, roberta, gpt2, opt, llama, mistral, qwen2)");
    }

    @Test
    void unknownArchitectureClass() throws IOException {
        Path dir = copy("bert-seqcls");
        Path cfg = editConfig(dir, c -> c.putArray("architectures").add("BertForBogus"));
        assertError(CliRun.of("inspect", dir), cfg, "unsupported architecture class 'BertForBogus'");
    }

    @Test
    void headTheArchitectureLacks() {
        Path bert = Fixtures.dir("bert-seqcls");
        assertError(CliRun.of("generate", "--model", bert, "--prompt", "hi"), bert.resolve("config.json"),
                "bert has no causal-lm head (it has: sequence-classification, token-classification,");
        Path gpt2 = Fixtures.dir("gpt2-lm").resolve("config.json");
        assertError(CliRun.of("init", "--config", gpt2, "--out", tmp.resolve("out"), "--head", "question-answering"), gpt2,
                "gpt2 has no question-answering head (it has: sequence-classification, causal-lm, base)");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void tensorShapeThatDisagreesWithTheConfig() throws IOException {
        Path dir = copy("bert-seqcls");
        editConfig(dir, c -> c.put("hidden_size", 48));
        CliRun r = CliRun.of("inspect", dir);
        assertError(r, dir.resolve("model.safetensors"), "tensor 'bert.embeddings.LayerNorm.bias' has shape [32]",
                "config.json", "[48]");
    }

    // ---- forward inputs ----

    @Test
    void forwardInputsThatAreMissingOrWrong() throws IOException {
        Path model = Fixtures.dir("bert-seqcls");
        Path missing = tmp.resolve("no-such-inputs.json");
        assertError(CliRun.of("forward", model, "--inputs", missing), missing, "no such file");
        Path notJson = Files.writeString(tmp.resolve("not-json.json"), "{\"input_ids\": [[1, 2]");
        assertError(CliRun.of("forward", model, "--inputs", notJson), notJson, "not valid JSON");
        Path noIds = Files.writeString(tmp.resolve("no-ids.json"), "{\"attention_mask\": [[1, 1]]}");
        assertError(CliRun.of("forward", model, "--inputs", noIds), noIds, "'input_ids' is required");
        Path badId = Files.writeString(tmp.resolve("bad-id.json"), "{\"input_ids\": [[2, 99999, 3]]}");
        Path badMask = Files.writeString(tmp.resolve("bad-mask.json"), "{\"input_ids\": [[2, 3]], \"attention_mask\": [[1, 1, 1]]}");
        assertError(CliRun.of("forward", model, "--inputs", badMask), badMask, "'attention_mask' has shape [1, 3] but 'input_ids' has [1, 2]");
        Path badLabel = Files.writeString(tmp.resolve("bad-label.json"), "{\"input_ids\": [[2, 3]], \"labels\": [7]}");
        assertError(CliRun.of("forward", model, "--inputs", badLabel), badLabel, "the model cannot run on these inputs: ");
        assertError(CliRun.of("forward", model, "--inputs", badId), badId, "input_ids hold 99999, outside 0..274 (the model's vocab_size 275)");
        Path tooLong = Files.writeString(tmp.resolve("too-long.json"), "{\"input_ids\": [" + java.util.Collections.nCopies(65, 5) + "]}");
        assertError(CliRun.of("forward", model, "--inputs", tooLong), tooLong, "rows of 65 tokens exceed the model's 64 positions");
        Path gpt2 = Fixtures.dir("gpt2-lm");
        assertError(CliRun.of("generate", "--model", gpt2, "--prompt", "hello", "--max-new-tokens", "100"), gpt2,
                "new ones exceed the model's 64 positions");
    }

    // ---- tokenizer ----

    @Test
    void missingTokenizer() {
        Path dir = Fixtures.dir("llama-lm");
        String reason = "no tokenizer (expected tokenizer.json, vocab.txt or vocab.json + merges.txt)";
        assertError(CliRun.of("tokenize", dir, "hello"), dir, reason);
        assertError(CliRun.of("generate", "--model", dir, "--prompt", "hello"), dir, reason);
    }

    @Test
    void tokenizerIdsPastTheEmbeddingRows() throws IOException {
        Path dir = copy("gpt2-lm");
        Path vocab = dir.resolve("vocab.json");
        ObjectNode v = (ObjectNode) MAPPER.readTree(vocab.toFile());
        v.put("\u0120good", 999); // 394 tokens still, but one id has no embedding row
        MAPPER.writeValue(vocab.toFile(), v);
        String reason = "gives token '\u0120good' the id 999, past the model's 394 embedding rows";
        assertError(CliRun.of("inspect", dir), dir, reason);
        assertError(CliRun.of("generate", "--model", dir, "--prompt", "a good day"), dir, reason);
    }

    // ---- folders ----

    @Test
    void missingModelFolder() {
        Path dir = tmp.resolve("no-such-model");
        for (CliRun r : List.of(CliRun.of("inspect", dir), CliRun.of("forward", dir, "--inputs", golden("bert-seqcls")),
                CliRun.of("generate", "--model", dir))) {
            assertError(r, dir, "no such folder or file");
        }
    }

    @Test
    void configThatIsAFolder() throws IOException {
        Path dir = copy("bert-seqcls");
        Path cfg = dir.resolve("config.json");
        Files.delete(cfg);
        Files.createDirectory(cfg);
        assertError(CliRun.of("inspect", dir), cfg, "is a folder, not a file");
    }

    @Test
    void folderWithoutWeights() throws IOException {
        Path dir = copy("bert-seqcls");
        Files.delete(dir.resolve("model.safetensors"));
        assertError(CliRun.of("inspect", dir), dir, "holds neither model.safetensors nor model.safetensors.index.json");
    }

    // ---- --verbose ----

    @Test
    void verbosePrintsTheStackTrace() throws IOException {
        Path dir = copy("bert-seqcls");
        truncate(dir.resolve("model.safetensors"), 5);
        for (CliRun r : List.of(CliRun.of("--verbose", "inspect", dir), CliRun.of("inspect", dir, "--verbose"))) {
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains("\tat org.finetune4j.");
            String[] lines = r.errLines();
            assertThat(lines[lines.length - 1]).startsWith("error: ").contains("too short");
        }
    }

    // ---- helpers ----

    /** Exit code 1, and stderr is one line: "error: ", the file, and each reason; no stack trace. */
    static void assertError(CliRun r, Path file, String... reasons) {
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isEqualTo(1);
        assertThat(r.err()).doesNotContain("\tat ");
        assertThat(r.errLines()).as("stderr lines").hasSize(1);
        String line = r.errLines()[0];
        assertThat(line).startsWith("error: ").contains(file.toString()).contains(reasons);
    }

    private Path copy(String fixture) throws IOException {
        return copy(tmp, fixture);
    }

    /** The fixture's files copied into {@code tmp/<fixture>}. */
    static Path copy(Path tmp, String fixture) throws IOException {
        Path dir = Files.createDirectory(tmp.resolve(fixture));
        try (var files = Files.list(Fixtures.dir(fixture))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    private static Path golden(String fixture) {
        return Fixtures.dir(fixture).resolve("golden.json");
    }

    static Path editConfig(Path dir, Consumer<ObjectNode> edit) throws IOException {
        Path cfg = dir.resolve("config.json");
        ObjectNode c = (ObjectNode) MAPPER.readTree(cfg.toFile());
        edit.accept(c);
        MAPPER.writeValue(cfg.toFile(), c);
        return cfg;
    }

    private static void truncate(Path file, long size) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    private static long headerLength(Path st) throws IOException {
        byte[] head = new byte[8];
        try (var in = Files.newInputStream(st)) {
            assertThat(in.readNBytes(head, 0, 8)).isEqualTo(8);
        }
        return ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static void writeLength(Path st, long length) throws IOException {
        byte[] bytes = Files.readAllBytes(st);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
        Files.write(st, bytes);
    }

    /** Rewrites the header JSON with {@code edit}; the data area stays as it was. */
    static void rewriteHeader(Path st, Consumer<ObjectNode> edit) throws IOException {
        byte[] bytes = Files.readAllBytes(st);
        int n = Math.toIntExact(headerLength(st));
        ObjectNode header = (ObjectNode) MAPPER.readTree(Arrays.copyOfRange(bytes, 8, 8 + n));
        edit.accept(header);
        byte[] json = MAPPER.writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + bytes.length - 8 - n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(bytes, 8 + n, bytes.length - 8 - n);
        Files.write(st, out.array());
    }

    /** The tensor entries sorted by their begin offset. */
    private static List<ObjectNode> byOffset(ObjectNode header) {
        List<ObjectNode> out = new ArrayList<>();
        for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e : header.properties()) {
            if (!e.getKey().equals("__metadata__")) {
                out.add((ObjectNode) e.getValue());
            }
        }
        out.sort(Comparator.comparingLong(t -> t.get("data_offsets").get(0).asLong()));
        return out;
    }

    private static void shift(ObjectNode tensor, long by) {
        long begin = tensor.get("data_offsets").get(0).asLong();
        long end = tensor.get("data_offsets").get(1).asLong();
        tensor.putArray("data_offsets").add(begin + by).add(end + by);
    }
}
