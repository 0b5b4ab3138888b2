package org.finetune4j.convert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.SafeTensorsWriter;
import org.finetune4j.io.TensorData;
import org.finetune4j.tensor.DType;

/**
 * {@code import onnx}: a BERT-family encoder exported to ONNX (Transformers' BertModel through
 * {@code torch.onnx.export}) to a Transformers {@code BertModel} folder. Initializers that carry
 * Transformers' names are kept as they are; each unnamed linear weight ({@code onnx::MatMul_*}, stored
 * [in, out]) is traced through its MatMul to the Add of a named bias, takes that layer's name and is
 * transposed to [out, in]. Integer and scalar initializers are graph constants and are skipped. Sizes
 * come from the shapes; heads, the LayerNorm epsilon and the activation from the graph where it shows
 * them. An encoder exported without its pooler gets {@code "add_pooling_layer": false} in its config.
 */
public final class OnnxImport {

    /** What to import: the model (.onnx, zip or jar), the output folder, an optional tokenizer.json and head count. */
    public record Options(Path source, Path out, Path tokenizer, Integer heads) {}

    private OnnxImport() {}

    /** Runs the import; on any error nothing is left in {@code out}. */
    public static ImportResult run(Options o) {
        try (OutputFolder folder = OutputFolder.create(o.out())) {
            OnnxSource src = OnnxSource.locate(o.source(), o.tokenizer(), folder.scratch());
            ImportResult r = write(o, OnnxModel.read(src.model(), src.label()), src, folder);
            folder.publish();
            return r;
        } catch (IOException e) {
            throw new Finetune4jException(o.out() + ": cannot write (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }

    private static ImportResult write(Options o, OnnxModel m, OnnxSource src, OutputFolder folder) throws IOException {
        String where = src.label();
        Map<String, Integer> skipped = new TreeMap<>();
        Map<String, String> from = new LinkedHashMap<>();
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        Map<String, OnnxTensor> weights = m.weights();
        for (OnnxTensor t : weights.values()) {
            place(m, t, weights, where, skipped, from, tensors);
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((name, t) -> shapes.put(name, t.shape()));
        if (!shapes.containsKey("embeddings.word_embeddings.weight")) {
            throw new Finetune4jException(where + ": no initializer 'embeddings.word_embeddings.weight'; the graph is not a"
                    + " BERT-family encoder exported from Transformers (initializers: " + sample(m) + ")");
        }
        BertShape shape = BertShape.of(shapes, "", where);
        boolean pooler = shapes.containsKey("pooler.dense.weight") || shapes.containsKey("pooler.dense.bias");
        Map<String, long[]> expected = shape.body("");
        if (pooler) {
            expected.putAll(shape.pooler(""));
        }
        BertShape.checkPlaces(from, shapes, expected, where);
        List<String> notes = new ArrayList<>();
        ObjectNode config = OnnxGraph.config(m, shape, o.heads(), where, notes);
        if (!pooler) {
            config.put("add_pooling_layer", false);
            notes.add("pooler: not in the export (config says add_pooling_layer: false; a classifier gets a new one)");
        }
        SafeTensorsWriter.write(folder.model().resolve("model.safetensors"), new ArrayList<>(tensors.values()), Map.of("format", "pt"));
        folder.writeJson("config.json", config);
        notes.add(src.tokenizer() == null ? "tokenizer: none found (give --tokenizer tokenizer.json)"
                : TokenizerFiles.tokenizerJson(src.tokenizer(), src.tokenizerLabel(), folder.model(), shape.vocab(), shape.positions()));
        return new ImportResult("BertModel", shape, config.get("num_attention_heads").asInt(), tensors.size(), skipped, notes);
    }

    /** Puts one initializer in its place: under its own name, traced as a linear weight, or skipped as a constant. */
    private static void place(OnnxModel m, OnnxTensor t, Map<String, OnnxTensor> weights, String where, Map<String, Integer> skipped,
                              Map<String, String> from, Map<String, TensorData> tensors) {
        String label = "initializer " + TfTable.quote(t.name());
        if (t.name().equals("embeddings.position_ids")) {
            skipped.merge("position ids", 1, Integer::sum);
        } else if (t.name().startsWith("embeddings.") || t.name().startsWith("encoder.") || t.name().startsWith("pooler.")) {
            add(tensors, from, t.name(), label, new TensorData(t.name(), t.dtype(), t.dims(), t.data()));
        } else if (isFloat(t.dtype()) && t.dims().length == 2 && consumedByMatMul(m, t.name())) {
            String name = OnnxGraph.linearName(m, t.name(), weights, where);
            ByteBuffer b = Bytes.transpose(t.data(), t.dims()[0], t.dims()[1], t.dtype().size());
            add(tensors, from, name, label + " (traced, transposed)",
                    new TensorData(name, t.dtype(), new long[] {t.dims()[1], t.dims()[0]}, b));
        } else if (!isFloat(t.dtype()) || t.numel() <= 1) {
            skipped.merge("graph constants", 1, Integer::sum);
        } else {
            throw new Finetune4jException(where + ": " + label + " (" + t.dtype() + " " + java.util.Arrays.toString(t.dims())
                    + ") has no BERT name and feeds no MatMul, so it maps to no weight");
        }
    }

    private static void add(Map<String, TensorData> tensors, Map<String, String> from, String name, String label, TensorData t) {
        if (tensors.put(name, t) != null) {
            throw new Finetune4jException(label + " maps to " + name + ", which " + from.get(name) + " already took");
        }
        from.put(name, label);
    }

    private static boolean consumedByMatMul(OnnxModel m, String name) {
        return m.consumers(name).stream().anyMatch(n -> n.op().equals("MatMul") && n.inputs().size() == 2
                && n.inputs().get(1).equals(name));
    }

    private static boolean isFloat(DType t) {
        return t == DType.F32 || t == DType.F16 || t == DType.BF16 || t == DType.F64;
    }

    private static String sample(OnnxModel m) {
        List<String> names = m.initializers.keySet().stream().limit(5).map(TfTable::quote).toList();
        return names.isEmpty() ? "none" : String.join(", ", names) + (m.initializers.size() > 5 ? ", ..." : "");
    }
}
