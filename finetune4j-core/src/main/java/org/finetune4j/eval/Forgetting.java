package org.finetune4j.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.Examples;
import org.finetune4j.data.LabelMap;
import org.finetune4j.data.LmData;
import org.finetune4j.data.TextClassificationData;
import org.finetune4j.data.TextColumns;
import org.finetune4j.data.TextSource;
import org.finetune4j.distributed.World;
import org.finetune4j.model.Head;
import org.finetune4j.model.ModelConfig;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TaskModel;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tokenize.Tokenizer;

/**
 * How much a model forgot: the general-domain language-model loss, perplexity (and for encoders the
 * masked-token accuracy) of a model before and after some training, and the task metrics of both.
 * Encoders are measured with masked-LM (the same masked positions for both models: fixed seed),
 * decoders with causal LM, on blocks of {@code blockSize} tokens cut from the general text.
 *
 * <p>A model folder saved by a classification fine-tuning has no LM head (Transformers drops it):
 * the "after" model then borrows the missing head tensors from the "before" folder, so the change
 * measures what happened to the shared body; a note says so. Task metrics need a classifier: a
 * folder without one gets no task numbers (null) and a note.
 */
public final class Forgetting {

    private Forgetting() {}

    /** What to measure. {@code maxBlocks} 0: every block of the general text. */
    public record Options(int blockSize, int maxBlocks, String textColumn, String taskTextColumn, String taskLabelColumn,
            int batchSize, long seed) {
        public static Options defaults() {
            return new Options(128, 0, "text", "text", "label", 32, LmEvaluator.DEFAULT_SEED);
        }
    }

    /** One line of the table: {@code change = after - before} (null where either side is missing). */
    public record Row(String metric, Double before, Double after, Double change) {}

    /** The table and its notes. */
    public record Report(Path before, Path after, Path general, String objective, List<Row> rows, List<String> notes) {

        /** The JSON written to forgetting.json and printed by --json. */
        public ObjectNode toJson() {
            ObjectMapper m = org.finetune4j.io.Json.MAPPER;
            ObjectNode o = m.createObjectNode();
            o.put("before", before.toString());
            o.put("after", after.toString());
            o.put("general", general.toString());
            o.put("objective", objective);
            ArrayNode rs = o.putArray("rows");
            for (Row r : rows) {
                ObjectNode n = rs.addObject();
                n.put("metric", r.metric());
                put(n, "before", r.before());
                put(n, "after", r.after());
                put(n, "change", r.change());
            }
            ArrayNode ns = o.putArray("notes");
            notes.forEach(ns::add);
            return o;
        }

        private static void put(ObjectNode n, String k, Double v) {
            if (v == null || v.isNaN() || v.isInfinite()) {
                n.putNull(k);
            } else {
                n.put(k, v);
            }
        }

        /** The before / after / change table as text. */
        public String table() {
            StringBuilder sb = new StringBuilder();
            int w = Math.max(24, rows.stream().mapToInt(r -> r.metric().length()).max().orElse(0) + 2);
            sb.append(String.format("%-" + w + "s %14s %14s %14s%n", "metric", "before", "after", "change"));
            for (Row r : rows) {
                sb.append(String.format("%-" + w + "s %14s %14s %14s%n", r.metric(), fmt(r.before()), fmt(r.after()),
                        r.change() == null ? "-" : (r.change() >= 0 ? "+" : "") + fmt(r.change())));
            }
            notes.forEach(n -> sb.append("note: ").append(n).append('\n'));
            return sb.toString();
        }

        private static String fmt(Double v) {
            return v == null || v.isNaN() ? "-" : Math.abs(v) >= 1e5 ? String.format("%.4g", v) : String.format("%.4f", v);
        }
    }

    /** Measures both folders. */
    public static Report run(Path before, Path after, Path general, List<Path> tasks, Options o) {
        for (Path p : List.of(before, after)) {
            if (!Files.isDirectory(p)) {
                throw new Finetune4jException(p + ": not a model folder");
            }
        }
        ModelConfig cb = ModelConfig.read(before);
        ModelConfig ca = ModelConfig.read(after);
        if (!cb.common().modelType().equals(ca.common().modelType())) {
            throw new Finetune4jException(after + ": a " + ca.common().modelType() + " model, but " + before + " holds a "
                    + cb.common().modelType());
        }
        boolean causal = cb.causal();
        LmData.Objective objective = causal ? LmData.Objective.CLM : LmData.Objective.MLM;
        Head head = causal ? Head.CAUSAL_LM : Head.MASKED_LM;
        List<String> notes = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        Map<String, Double> gb;
        Map<String, Double> ga;
        try (Tokenizer tok = Tokenizer.load(before); Scope scope = Scope.open()) {
            int block = Math.min(o.blockSize(), cb.maxPositions());
            if (o.blockSize() > cb.maxPositions()) {
                throw new Finetune4jException("block size " + o.blockSize() + " exceeds the " + cb.maxPositions()
                        + " positions of " + before);
            }
            LmData.Masking masking = causal ? null : LmData.masking(tok, 0.15, false);
            long eos = tok.special().eosId(cb.common().eosTokenId());
            LmData text = LmData.chunked(TextSource.documents(general, o.textColumn()), tok, block, objective, masking, eos);
            if (o.maxBlocks() > 0 && text.size() > o.maxBlocks()) {
                notes.add("general text: the first " + o.maxBlocks() + " of " + text.size() + " blocks of " + block + " tokens");
                text = text.subset(java.util.stream.IntStream.range(0, o.maxBlocks()).toArray());
            } else {
                notes.add("general text: " + text.size() + " blocks of " + block + " tokens");
            }
            long pad = pad(tok, cb);
            Pretrained.Loaded lb = Pretrained.load(before, cb, head, 0);
            if (!lb.report().newlyInitialised().isEmpty()) {
                notes.add(before + " has no " + objective.name().toLowerCase(java.util.Locale.ROOT) + " head ("
                        + String.join(", ", lb.report().newlyInitialised()) + " initialised at random): its general-domain "
                        + "numbers are not meaningful");
            }
            gb = lmMetrics(lb.model(), text, o, pad);
            Pretrained.Loaded la = Pretrained.load(after, ca, head, 0);
            List<String> borrowed = borrow(la, lb.model());
            if (!borrowed.isEmpty()) {
                notes.add(after + " has no " + objective.name().toLowerCase(java.util.Locale.ROOT) + " head: borrowed "
                        + String.join(", ", borrowed) + " from " + before + " (the change measures the shared body)");
            }
            ga = lmMetrics(la.model(), text, o, pad);
        }
        String prefix = "general_" + objective.name().toLowerCase(java.util.Locale.ROOT) + "_";
        for (String k : gb.keySet()) {
            if (k.endsWith("loss") || k.endsWith("perplexity") || k.endsWith("accuracy")) {
                rows.add(row(prefix + k.substring("eval_".length()), gb.get(k), ga.get(k)));
            }
        }
        for (Path task : tasks) {
            taskRows(before, after, task, o, rows, notes);
        }
        return new Report(before, after, general, objective.name().toLowerCase(java.util.Locale.ROOT), rows, notes);
    }

    private static Row row(String metric, Double b, Double a) {
        return new Row(metric, b, a, b == null || a == null ? null : a - b);
    }

    private static Map<String, Double> lmMetrics(TransformerModel model, LmData text, Options o, long pad) {
        return LmEvaluator.evaluate(model, text, o.batchSize(), pad, o.seed(), "eval_", World.SINGLE);
    }

    /** Copies the parameters {@code after} lacks from the same names of {@code before}; returns their names. */
    private static List<String> borrow(Pretrained.Loaded after, TransformerModel before) {
        List<String> missing = after.report().newlyInitialised();
        if (missing.isEmpty()) {
            return missing;
        }
        Map<String, Parameter> from = before.allNamedParameters();
        Map<String, Parameter> to = after.model().allNamedParameters();
        List<String> done = new ArrayList<>();
        for (String name : missing) {
            Parameter src = from.get(name);
            Parameter dst = to.get(name);
            if (src != null && dst != null) {
                dst.set(src.data().clone());
                done.add(name);
            }
        }
        return done;
    }

    private static void taskRows(Path before, Path after, Path task, Options o, List<Row> rows,
            List<String> notes) {
        Map<String, Map<String, Double>> byModel = new LinkedHashMap<>();
        List<String> labels = null;
        for (Path dir : List.of(after, before)) {
            try (Scope scope = Scope.open()) {
                Pretrained.Loaded l = Pretrained.load(dir, ModelConfig.read(dir), Head.SEQUENCE_CLASSIFICATION, 0);
                if (!l.report().newlyInitialised().isEmpty()) {
                    notes.add(task.getFileName() + ": " + dir + " has no classifier; no task numbers for it");
                    continue;
                }
                try (TaskModel m = TaskModel.open(dir, l::model, dir)) {
                    List<String> names = m.labels();
                    if (labels != null && !labels.equals(names)) {
                        notes.add(task.getFileName() + ": " + dir + " has other labels " + names + " than " + labels);
                        continue;
                    }
                    labels = names;
                    TextClassificationData d = TextClassificationData.read(task,
                            new TextColumns(o.taskTextColumn(), null, o.taskLabelColumn()), new LabelMap(names), false);
                    Examples ex = Examples.tokenize(d, m.tokenizer(), m.maxLength(0));
                    byModel.put(dir.toString(), Evaluator.evaluate(m.model(), ex, names, o.batchSize(), m.padId(), World.SINGLE));
                }
            }
        }
        Map<String, Double> b = byModel.get(before.toString());
        Map<String, Double> a = byModel.get(after.toString());
        Map<String, Double> any = a != null ? a : b;
        if (any == null) {
            return;
        }
        String name = task.getFileName().toString();
        for (String k : any.keySet()) {
            if (k.equals("eval_loss") || k.equals("eval_accuracy") || k.equals("eval_f1")) {
                rows.add(row("task_" + name + "_" + k.substring("eval_".length()), b == null ? null : b.get(k),
                        a == null ? null : a.get(k)));
            }
        }
    }

    /** The pad id of the one pad rule ({@link org.finetune4j.tokenize.SpecialTokens#padId}), 0 when there is none. */
    private static long pad(Tokenizer tok, ModelConfig c) {
        return Math.max(0, tok.special().padId(c.common().eosTokenId(), c.common().padTokenId()));
    }
}
