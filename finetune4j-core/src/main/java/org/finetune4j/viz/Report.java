package org.finetune4j.viz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.Dataset;
import org.finetune4j.hub.HubSettings;
import org.finetune4j.hub.Locator;
import org.finetune4j.io.AtomicFile;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Parameter;
import org.finetune4j.peft.Adapters;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tokenize.Tokenizer;

/**
 * The run report {@code output_dir/report.html}: one self-contained page (images as data: URIs,
 * no scripts, nothing fetched) with the recipe, the model summary, the curves, the final metrics
 * and confusion matrix, attention before and after training on a sample text, and the forgetting
 * table when the run left a {@code forgetting.json}. What the start of a run knows is saved by
 * {@link #captureStart}; {@link #write} reads the folder, so it can rebuild the page at any time.
 */
public final class Report {

    /** Files the report reads (besides the model, metrics.jsonl and eval_results.json). */
    public static final String RUN_INFO = "run_info.json";
    public static final String RECIPE = "recipe.yaml";
    public static final String ATTENTION_BEFORE = "attention_before.json";
    public static final String CONFUSION = "confusion_matrix.json";
    public static final String FORGETTING = "forgetting.json";
    public static final String FILE = "report.html";

    private static final ObjectMapper JSON = org.finetune4j.io.Json.MAPPER;
    private static final int SAMPLE_MAX_TOKENS = 32;

    private Report() {}

    /**
     * Records the start of a run in {@code out}: the recipe text, the model summary, and the attention of
     * the untrained model on {@code focus}'s text, else on a sample, with the layer and head the report shows
     * ({@code resuming}: a saved one is kept).
     */
    public static void captureStart(Path out, String recipeText, TransformerModel model, Path tokenizerDir,
            Dataset sample, AttentionFocus focus, boolean resuming) throws IOException {
        Files.createDirectories(out);
        if (recipeText != null) {
            writeAtomically(out.resolve(RECIPE), recipeText.getBytes(StandardCharsets.UTF_8));
        }
        ObjectNode info = JSON.createObjectNode();
        info.put("model_class", model.className());
        info.put("model_type", model.config.common().modelType());
        info.put("num_layers", model.config.numLayers());
        info.put("max_positions", model.config.maxPositions());
        info.put("vocab_size", model.config.vocabSize());
        Map<String, Parameter> params = model.namedParameters();
        info.put("num_parameters", params.values().stream().mapToLong(Parameter::numel).sum());
        info.put("num_trainable_parameters", params.values().stream().filter(Parameter::trainable).mapToLong(Parameter::numel).sum());
        info.put("num_parameter_tensors", params.size());
        writeAtomically(out.resolve(RUN_INFO), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(info));
        Path before = out.resolve(ATTENTION_BEFORE);
        boolean text = focus.text() != null || sample != null && sample.size() > 0;
        if (text && !(resuming && Files.exists(before))) {
            try (Tokenizer tok = Tokenizer.load(tokenizerDir)) {
                long[] ids = focus.text() != null ? AttentionMaps.encode(tok, focus.text(), SAMPLE_MAX_TOKENS)
                        : AttentionSample.ids(sample, tok, SAMPLE_MAX_TOKENS);
                AttentionMaps maps = AttentionMaps.compute(model, ids, AttentionMaps.labels(tok, ids));
                ObjectNode shown = JSON.createObjectNode();
                shown.put("layer", maps.layer(focus.layer()));
                shown.put("head", maps.head(focus.head()));
                maps.save(before, shown);
            }
        }
    }

    /** Builds {@code out/report.html} from what the folder holds; returns its path. */
    public static Path write(Path out) throws IOException {
        if (!Files.isDirectory(out)) {
            throw new Finetune4jException(out + ": not a folder");
        }
        Html h = new Html("Finetune4j run report: " + out.getFileName());
        h.raw("<p class=\"muted\">" + Html.esc(out.toString()) + " &middot; written "
                + Html.esc(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)) + "</p>");
        summary(h, out);
        curves(h, out);
        confusion(h, out);
        attention(h, out);
        forgetting(h, out);
        recipe(h, out);
        Path file = out.resolve(FILE);
        writeAtomically(file, h.finish().getBytes(StandardCharsets.UTF_8));
        return file;
    }

    private static void summary(Html h, Path out) {
        h.section("Model and results");
        JsonNode info = readJson(out.resolve(RUN_INFO));
        List<String[]> rows = new ArrayList<>();
        if (info != null) {
            long all = info.path("num_parameters").asLong();
            long trainable = info.path("num_trainable_parameters").asLong();
            rows.add(new String[] {"model", info.path("model_class").asText() + " (" + info.path("model_type").asText() + ", "
                    + info.path("num_layers").asInt() + " layers, vocabulary " + info.path("vocab_size").asInt() + ")"});
            rows.add(new String[] {"parameters", String.format("%,d", all)});
            rows.add(new String[] {"trainable parameters", String.format("%,d (%.2f%%)", trainable, all == 0 ? 0 : 100.0 * trainable / all)});
        } else {
            h.p("No " + RUN_INFO + " (the run did not record its start).");
        }
        JsonNode results = readJson(out.resolve("eval_results.json"));
        if (results != null) {
            results.fields().forEachRemaining(e -> rows.add(new String[] {e.getKey(), number(e.getValue())}));
        }
        JsonNode train = readJson(out.resolve("train_results.json"));
        if (train != null) {
            train.fields().forEachRemaining(e -> rows.add(new String[] {e.getKey(), number(e.getValue())}));
        }
        if (!rows.isEmpty()) {
            h.table(new String[] {"", ""}, rows);
        }
    }

    private static void curves(Html h, Path out) throws IOException {
        h.section("Curves");
        Path log = out.resolve("metrics.jsonl");
        if (!Files.isRegularFile(log)) {
            h.p("No metrics.jsonl.");
            return;
        }
        List<Curves.Chart> charts = Curves.charts(Curves.read(log));
        if (charts.isEmpty()) {
            h.p("metrics.jsonl has no logged steps yet.");
        }
        for (Curves.Chart c : charts) {
            h.image(c.png(), c.chart().getTitle());
        }
    }

    private static void confusion(Html h, Path out) {
        JsonNode c = readJson(out.resolve(CONFUSION));
        if (c == null) {
            return;
        }
        h.section("Confusion matrix (rows: true label, columns: predicted)");
        List<String> labels = new ArrayList<>();
        c.path("labels").forEach(l -> labels.add(l.asText()));
        JsonNode m = c.path("matrix");
        long max = 1;
        for (JsonNode row : m) {
            for (JsonNode v : row) {
                max = Math.max(max, v.asLong());
            }
        }
        StringBuilder sb = new StringBuilder("<table class=\"cm\"><tr><th></th>");
        labels.forEach(l -> sb.append("<th>").append(Html.esc(l)).append("</th>"));
        sb.append("</tr>");
        for (int i = 0; i < m.size(); i++) {
            sb.append("<tr><th>").append(Html.esc(i < labels.size() ? labels.get(i) : "#" + i)).append("</th>");
            for (JsonNode v : m.get(i)) {
                int shade = (int) Math.round(235 - 170.0 * v.asLong() / max);
                sb.append(String.format("<td style=\"background:rgb(%d,%d,255)\">%d</td>", shade, shade, v.asLong()));
            }
            sb.append("</tr>");
        }
        h.raw(sb.append("</table>").toString());
    }

    private static void attention(Html h, Path out) throws IOException {
        Path beforeFile = out.resolve(ATTENTION_BEFORE);
        if (!Files.isRegularFile(beforeFile)) {
            return;
        }
        h.section("Attention before and after training");
        ObjectNode shown = JSON.createObjectNode();
        AttentionMaps before = AttentionMaps.read(beforeFile, shown);
        int layer = before.layer(shown.path("layer").asInt(-1)); // a file without them: the last layer, head 0
        int head = before.head(shown.path("head").asInt(0));
        String at = "layer " + layer + ", head " + head;
        String missing = null;
        Path base = null; // a LoRA run: the adapter goes on its base
        if (Adapters.isAdapter(out)) {
            base = adapterBase(out);
            if (!Files.isRegularFile(out.resolve(Adapters.WEIGHTS))) {
                missing = "The run has not saved its adapter yet";
            } else if (base == null) {
                missing = "The adapter's base model is not on disk here";
            }
        } else if (!Files.isRegularFile(out.resolve("config.json"))) {
            missing = "The run has not saved its model yet";
        }
        if (missing != null) {
            h.p(missing + "; the attention before training:");
            h.image(before.allHeads("before training: every head of layer " + layer, layer).png(), "attention before training");
            return;
        }
        AttentionMaps after;
        try (Scope scope = Scope.open()) {
            TransformerModel model = base != null ? Adapters.loadWithBase(base, out, null, 0, false)
                    : Pretrained.load(out, null, 0).model();
            after = AttentionMaps.compute(model, before.ids(), before.tokens());
        }
        h.p("Text: <code>" + Html.esc(String.join(" ", before.tokens())) + "</code>. Shown: " + at + " (0-based, as "
                + "Transformers' attentions[" + layer + "][0, " + head + "]). Largest change of any attention "
                + "probability (all layers and heads): " + String.format("%.4f", before.maxDifference(after)) + ".");
        h.image(before.compare(after, "before training", "after training", layer, head).png(), "attention before and after, " + at);
        h.image(after.allHeads("after training: every head of layer " + layer, layer).png(), "attention after, every head of layer " + layer);
    }

    /** The adapter's base_model_name_or_path as a local folder or a cached Hub snapshot (offline), or null. */
    private static Path adapterBase(Path out) {
        String base = Adapters.readConfig(out).baseModel();
        if (base == null || base.isBlank()) {
            return null;
        }
        try {
            Path dir = Locator.model(base, HubSettings.current().offline(), new PrintStream(OutputStream.nullOutputStream()));
            return Files.isRegularFile(dir.resolve("config.json")) ? dir : null;
        } catch (Finetune4jException e) {
            return null;
        }
    }

    private static void forgetting(Html h, Path out) {
        JsonNode f = readJson(out.resolve(FORGETTING));
        if (f == null) {
            return;
        }
        h.section("Forgetting");
        JsonNode rows = f.isArray() ? f : f.path("rows");
        if (!rows.isArray() || rows.isEmpty() || !rows.get(0).isObject()) {
            h.raw("<pre>" + Html.esc(f.toPrettyString()) + "</pre>");
            return;
        }
        Set<String> keys = new LinkedHashSet<>();
        rows.forEach(r -> r.fieldNames().forEachRemaining(keys::add));
        List<String[]> cells = new ArrayList<>();
        for (JsonNode r : rows) {
            cells.add(keys.stream().map(k -> r.has(k) ? number(r.get(k)) : "").toArray(String[]::new));
        }
        h.table(keys.toArray(String[]::new), cells);
        if (f.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = f.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().equals("rows") && e.getValue().isValueNode()) {
                    h.p(Html.esc(e.getKey()) + ": " + Html.esc(number(e.getValue())));
                }
            }
        }
    }

    private static void recipe(Html h, Path out) throws IOException {
        Path r = out.resolve(RECIPE);
        if (Files.isRegularFile(r)) {
            h.section("Recipe");
            h.raw("<pre>" + Html.esc(Files.readString(r)) + "</pre>");
        }
    }

    private static String number(JsonNode v) {
        if (v.isFloatingPointNumber()) {
            return String.format("%.4f", v.asDouble());
        }
        return v.isTextual() ? v.asText() : v.toString();
    }

    /** A JSON file, or null when absent; a malformed one is an error naming the file. */
    private static JsonNode readJson(Path f) {
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new Finetune4jException(f + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        AtomicFile.write(file, bytes);
    }

    /** A tiny HTML builder: sections, paragraphs, tables, inline PNGs. */
    private static final class Html {
        private final StringBuilder sb = new StringBuilder();

        Html(String title) {
            sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                    .append("<link rel=\"icon\" href=\"data:,\">")
                    .append("<title>").append(esc(title)).append("</title><style>")
                    .append("body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}")
                    .append("h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}")
                    .append("table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}")
                    .append("table.cm td{text-align:right;min-width:3em}img{max-width:100%;display:block;margin:.5em 0}")
                    .append("pre{background:#f6f6f6;padding:.8em;overflow-x:auto}.muted{color:#666}</style></head><body>\n")
                    .append("<h1>").append(esc(title)).append("</h1>\n");
        }

        void section(String title) {
            sb.append("<h2>").append(esc(title)).append("</h2>\n");
        }

        void p(String html) {
            sb.append("<p>").append(html).append("</p>\n");
        }

        void raw(String html) {
            sb.append(html).append('\n');
        }

        void table(String[] head, List<String[]> rows) {
            sb.append("<table>");
            if (java.util.Arrays.stream(head).anyMatch(s -> !s.isEmpty())) {
                sb.append("<tr>");
                for (String s : head) {
                    sb.append("<th>").append(esc(s)).append("</th>");
                }
                sb.append("</tr>");
            }
            for (String[] r : rows) {
                sb.append("<tr>");
                for (String s : r) {
                    sb.append("<td>").append(esc(s)).append("</td>");
                }
                sb.append("</tr>");
            }
            sb.append("</table>\n");
        }

        void image(byte[] png, String alt) {
            sb.append("<img alt=\"").append(esc(alt)).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(png)).append("\">\n");
        }

        String finish() {
            return sb.append("</body></html>\n").toString();
        }

        static String esc(String s) {
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
        }
    }
}
