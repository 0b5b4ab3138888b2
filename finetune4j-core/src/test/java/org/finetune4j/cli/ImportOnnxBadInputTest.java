package org.finetune4j.cli;

import static org.finetune4j.cli.ImportCommandTest.assertError;
import static org.finetune4j.cli.ImportCommandTest.resource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.finetune4j.io.ProtoWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad ONNX input: one line naming the file and the initializer or node, and nothing written to --out. */
class ImportOnnxBadInputTest {

    @TempDir
    Path tmp;

    private static ProtoWriter tensor(String name, int type, long[] dims, byte[] raw) {
        ProtoWriter t = new ProtoWriter().packed(1, dims).varint(2, type).string(8, name);
        return raw == null ? t : t.bytes(9, raw);
    }

    private static ProtoWriter node(String op, String name, List<String> in, List<String> out) {
        ProtoWriter n = new ProtoWriter();
        in.forEach(i -> n.string(1, i));
        out.forEach(o -> n.string(2, o));
        return n.string(3, name).string(4, op);
    }

    private Path model(ProtoWriter graph) throws IOException {
        Path f = tmp.resolve("m.onnx");
        Files.write(f, new ProtoWriter().varint(1, 7).message(7, graph).toByteArray());
        return f;
    }

    private void expect(Path model, String message) {
        Path out = tmp.resolve("out");
        assertError(CliRun.of("import", "onnx", model, "--out", out), out, message);
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] b = Files.readAllBytes(resource("onnx-bert/model.onnx"));
        Path f = tmp.resolve("cut.onnx");
        Files.write(f, Arrays.copyOf(b, b.length * 3 / 5));
        expect(f, f + ": graph (field 7) says 151");
        expect(f, "bytes but only 91");
    }

    @Test
    void lengthFieldPastTheEnd() throws IOException {
        ProtoWriter init = new ProtoWriter().packed(1, 2).varint(2, 1).string(8, "embeddings.LayerNorm.bias")
                .raw(9 << 3 | 2).raw(1000).append(new byte[8]);
        Path f = model(new ProtoWriter().message(5, init));
        expect(f, f + ": graph: initializer 'embeddings.LayerNorm.bias': field 9 says 1000 bytes but only 8 are left");
    }

    @Test
    void unknownDataType() throws IOException {
        Path f = model(new ProtoWriter().message(5, tensor("embeddings.word_embeddings.weight", 99, new long[] {2, 2}, new byte[16])));
        expect(f, f + ": initializer 'embeddings.word_embeddings.weight' has data type 99, which import does not read");
    }

    @Test
    void dataThatDoesNotFitTheDims() throws IOException {
        Path f = model(new ProtoWriter().message(5, tensor("embeddings.word_embeddings.weight", 1, new long[] {2, 2}, new byte[12])));
        expect(f, f + ": initializer 'embeddings.word_embeddings.weight' has 12 bytes of data but dims [2, 2] of F32 need 16");
    }

    @Test
    void externalData() throws IOException {
        ProtoWriter ext = tensor("encoder.layer.0.output.dense.bias", 1, new long[] {4}, null)
                .message(13, new ProtoWriter().string(1, "location").string(2, "weights.bin")).varint(14, 1);
        Path f = model(new ProtoWriter().message(5, ext));
        expect(f, f + ": initializer 'encoder.layer.0.output.dense.bias' keeps its data in an external file, which import does not read");
    }

    @Test
    void graphsThatAreNotABertEncoder() throws IOException {
        Path gemm = model(new ProtoWriter().message(5, tensor("fc.weight", 1, new long[] {2, 2}, new byte[16]))
                .message(1, node("Gemm", "fc", List.of("x", "fc.weight"), List.of("y"))));
        expect(gemm, gemm + ": initializer 'fc.weight' (F32 [2, 2]) has no BERT name and feeds no MatMul, so it maps to no weight");
        Path relu = model(new ProtoWriter().message(5, tensor("onnx::MatMul_1", 1, new long[] {2, 2}, new byte[16]))
                .message(1, node("MatMul", "mm", List.of("x", "onnx::MatMul_1"), List.of("h")))
                .message(1, node("Relu", "act", List.of("h"), List.of("y"))));
        expect(relu, relu + ": initializer 'onnx::MatMul_1' feeds MatMul node 'mm', whose output reaches no Add with a named bias");
        Path constants = model(new ProtoWriter().message(5, tensor("shape", 7, new long[] {2}, new byte[16])));
        expect(constants, constants + ": no initializer 'embeddings.word_embeddings.weight'; the graph is not a BERT-family"
                + " encoder exported from Transformers (initializers: 'shape')");
        Path text = tmp.resolve("vocab.onnx");
        Files.copy(resource("tf-bert-mlm/vocab.txt"), text);
        Path out = tmp.resolve("out");
        assertError(CliRun.of("import", "onnx", text, "--out", out), out, text.toString());
    }

    @Test
    void aJarWithoutAnOnnxModel() throws IOException {
        Path jar = tmp.resolve("empty.jar");
        ImportCommandTest.zip(jar, java.util.Map.of("README", resource("tf-bert-mlm/vocab.txt")));
        Path out = tmp.resolve("out");
        assertError(CliRun.of("import", "onnx", jar, "--out", out), out, jar + ": holds 0 .onnx model entries; import needs exactly one");
        assertError(CliRun.of("import", "tf-checkpoint", jar, "--out", out), out,
                jar + ": holds no TensorFlow checkpoint (no .index entry, nor a zip with one)");
    }
}
