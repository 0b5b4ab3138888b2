package org.finetune4j.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.SafeTensorsWriter;
import org.finetune4j.io.TensorData;

/**
 * {@code import tf-checkpoint}: a TensorFlow BERT checkpoint (Google's names) to a Transformers folder.
 * Variables map by {@link GoogleBertNames}; optimizer slots and the step are skipped and counted; every
 * weight must have a place in the model its heads make ({@code BertForPreTraining} with the MLM and
 * next-sentence heads, {@code BertForMaskedLM} with the MLM head, else {@code BertModel}) and every
 * place a weight. The pooler is kept when present (Transformers' BertForMaskedLM leaves it unused,
 * a sequence classifier loads it). Sizes come from the shapes or {@code bert_config.json}.
 */
public final class TfCheckpointImport {

    /** What to import: the checkpoint, the output folder, optional config, vocabulary and head count. */
    public record Options(Path source, Path out, Path config, Path vocab, Integer heads) {}

    private record Planned(String name, TfBundle.Entry entry, boolean transpose) {}

    private TfCheckpointImport() {}

    /** Runs the import; on any error nothing is left in {@code out}. */
    public static ImportResult run(Options o) {
        try (OutputFolder folder = OutputFolder.create(o.out())) {
            CheckpointSource src = CheckpointSource.locate(o.source(), folder.scratch());
            try (TfBundle bundle = TfBundle.open(src.prefix(), src.shownPrefix())) {
                ImportResult r = write(o, src, bundle, folder);
                folder.publish();
                return r;
            }
        } catch (IOException e) {
            throw new Finetune4jException(o.out() + ": cannot write (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }

    private static ImportResult write(Options o, CheckpointSource src, TfBundle bundle, OutputFolder folder) throws IOException {
        String where = src.shownPrefix() + ".index";
        Map<String, Integer> skipped = new TreeMap<>();
        Map<String, Planned> plan = plan(bundle, skipped, where);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        plan.forEach((name, p) -> shapes.put(name, hfShape(p)));
        BertShape shape = BertShape.of(shapes, "bert.", where);
        String architecture = architecture(shapes, shape, where);
        ObjectNode config = config(o, src, shape, architecture);
        Map<String, String> from = new LinkedHashMap<>();
        plan.forEach((name, p) -> from.put(name, "tensor " + TfTable.quote(p.entry().name()) + (p.transpose() ? " (transposed)" : "")));
        BertShape.checkPlaces(from, shapes, expected(shape, architecture, shapes), where);
        List<TensorData> tensors = new ArrayList<>();
        for (Planned p : plan.values()) {
            tensors.add(tensor(p, bundle));
        }
        SafeTensorsWriter.write(folder.model().resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        folder.writeJson("config.json", config);
        List<String> notes = new ArrayList<>();
        notes.add("config: " + (configFile(o, src) != null ? src.show(configFile(o, src)) : "from the tensor shapes"));
        Path vocab = o.vocab() != null ? o.vocab() : src.vocab();
        notes.add(vocab == null ? "tokenizer: none found (give --vocab vocab.txt)"
                : TokenizerFiles.wordPiece(vocab, src.show(vocab), folder.model(), shape.vocab(), shape.positions()));
        return new ImportResult(architecture, shape, config.get("num_attention_heads").asInt(), tensors.size(), skipped, notes);
    }

    /** Every variable's fate: a weight under its Transformers name, or skipped and counted. */
    private static Map<String, Planned> plan(TfBundle bundle, Map<String, Integer> skipped, String where) {
        Map<String, Planned> plan = new LinkedHashMap<>();
        for (TfBundle.Entry e : bundle.entries()) {
            GoogleBertNames.Mapped m = GoogleBertNames.map(e.name());
            if (m instanceof GoogleBertNames.Skipped s) {
                skipped.merge(s.kind(), 1, Integer::sum);
            } else if (m instanceof GoogleBertNames.Weight w) {
                if (e.dtype() == null) {
                    throw new Finetune4jException(where + ": tensor " + TfTable.quote(e.name()) + " holds strings, not weights");
                }
                if (w.transpose() && e.shape().length != 2) {
                    throw new Finetune4jException(where + ": kernel " + TfTable.quote(e.name()) + " has shape "
                            + Arrays.toString(e.shape()) + "; a kernel is a matrix");
                }
                Planned before = plan.put(w.name(), new Planned(w.name(), e, w.transpose()));
                if (before != null) {
                    throw new Finetune4jException(where + ": tensors " + TfTable.quote(before.entry().name()) + " and "
                            + TfTable.quote(e.name()) + " both map to " + w.name());
                }
            }
        }
        return plan;
    }

    private static long[] hfShape(Planned p) {
        long[] s = p.entry().shape();
        return p.transpose() ? new long[] {s[1], s[0]} : s;
    }

    /** BertForPreTraining, BertForMaskedLM or BertModel, by the heads present; a partial head is an error. */
    private static String architecture(Map<String, long[]> shapes, BertShape shape, String where) {
        boolean mlm = complete(shapes, shape.mlmHead(), "masked-LM head", where);
        boolean nsp = complete(shapes, shape.nspHead(), "next-sentence head", where);
        if (nsp && !mlm) {
            throw new Finetune4jException(where + ": has a next-sentence head but no masked-LM head (cls/predictions/*)");
        }
        return nsp ? "BertForPreTraining" : mlm ? "BertForMaskedLM" : "BertModel";
    }

    private static boolean complete(Map<String, long[]> shapes, Map<String, long[]> part, String what, String where) {
        List<String> have = part.keySet().stream().filter(shapes::containsKey).toList();
        if (!have.isEmpty() && have.size() < part.size()) {
            List<String> missing = part.keySet().stream().filter(k -> !shapes.containsKey(k)).toList();
            throw new Finetune4jException(where + ": the " + what + " is incomplete: no tensor for " + String.join(", ", missing));
        }
        return !have.isEmpty();
    }

    private static Map<String, long[]> expected(BertShape shape, String architecture, Map<String, long[]> shapes) {
        Map<String, long[]> m = shape.body("bert.");
        boolean pooler = architecture.equals("BertForPreTraining") || shapes.containsKey("bert.pooler.dense.weight")
                || shapes.containsKey("bert.pooler.dense.bias");
        if (pooler) {
            m.putAll(shape.pooler("bert."));
        }
        if (!architecture.equals("BertModel")) {
            m.putAll(shape.mlmHead());
        }
        if (architecture.equals("BertForPreTraining")) {
            m.putAll(shape.nspHead());
        }
        return m;
    }

    private static TensorData tensor(Planned p, TfBundle bundle) {
        ByteBuffer b = bundle.read(p.entry());
        long[] s = p.entry().shape();
        if (p.transpose()) {
            b = Bytes.transpose(b, s[0], s[1], p.entry().dtype().size());
        }
        return new TensorData(p.name(), p.entry().dtype(), hfShape(p), b);
    }

    private static Path configFile(Options o, CheckpointSource src) {
        return o.config() != null ? o.config() : src.config();
    }

    /** config.json: the sizes from the shapes; heads, activation and dropouts from bert_config.json when there is one. */
    private static ObjectNode config(Options o, CheckpointSource src, BertShape shape, String architecture) {
        Path file = configFile(o, src);
        JsonNode google = file == null ? null : GoogleConfig.read(file, shape);
        int heads = GoogleConfig.heads(o.heads(), google, shape.hidden(), file);
        ObjectNode c = shape.config(architecture, heads, 1e-12, google == null ? "gelu" : google.path("hidden_act").asText("gelu"));
        if (google != null) {
            for (String k : new String[] {"hidden_dropout_prob", "attention_probs_dropout_prob", "initializer_range"}) {
                if (google.has(k)) {
                    c.set(k, google.get(k));
                }
            }
        }
        return c;
    }
}
