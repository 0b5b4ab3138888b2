package org.finetune4j.viz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Graphics2D;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.finetune4j.Finetune4jException;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The curves of a run from its {@code metrics.jsonl} (Transformers' log_history, one entry a line):
 * training and evaluation loss, the evaluation metrics, and the learning rate, each against the
 * optimizer step. A chart without points is left out.
 */
public final class Curves {

    /** Evaluation entries that are speeds, not metrics. */
    private static final Set<String> NOT_METRICS = Set.of("eval_loss", "eval_runtime", "eval_samples_per_second",
            "eval_steps_per_second");
    private static final ObjectMapper JSON = org.finetune4j.io.Json.MAPPER;

    /** A chart and the file stem it is written under. */
    public record Chart(String name, XYChart chart) implements Picture {
        @Override
        public int width() {
            return chart.getWidth();
        }

        @Override
        public int height() {
            return chart.getHeight();
        }

        @Override
        public void paint(Graphics2D g) {
            chart.paint(g, chart.getWidth(), chart.getHeight());
        }
    }

    private Curves() {}

    /** The log entries of {@code file}; a line that is not a JSON object is an error naming file:line. */
    public static List<JsonNode> read(Path file) {
        List<JsonNode> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new Finetune4jException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(lines.get(i));
                if (!n.isObject()) {
                    throw new IOException("not a JSON object");
                }
                out.add(n);
            } catch (IOException e) {
                throw new Finetune4jException(file + ":" + (i + 1) + ": not a metrics entry (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
        }
        return out;
    }

    /**
     * The charts of a log (those with points), one per scale: losses; metrics between 0 and 1 (accuracy,
     * F1 ...); other scores (SQuAD's 0-100); perplexity; token counts; the learning rate.
     */
    public static List<Chart> charts(List<JsonNode> log) {
        Map<String, Map<String, List<double[]>>> byChart = new LinkedHashMap<>();
        for (String name : List.of("loss", "metrics", "scores", "perplexity", "tokens", "learning_rate")) {
            byChart.put(name, new LinkedHashMap<>());
        }
        for (JsonNode e : log) {
            if (!e.has("step")) {
                continue;
            }
            double step = e.get("step").asDouble();
            add(byChart.get("loss"), "train loss", step, e.get("loss"));
            add(byChart.get("learning_rate"), "learning rate", step, e.get("learning_rate"));
            e.fieldNames().forEachRemaining(k -> {
                if (k.startsWith("eval_") && !NOT_METRICS.contains(k) || k.equals("eval_loss")) {
                    String label = k.equals("eval_loss") ? "eval loss" : k.substring(5);
                    add(byChart.get(scale(k)), label, step, e.get(k));
                }
            });
        }
        Map<String, List<double[]>> metrics = byChart.get("metrics");
        metrics.entrySet().removeIf(m -> { // metrics that leave [0, 1] get the chart of other scores
            boolean fraction = m.getValue().stream().allMatch(p -> p[1] >= 0 && p[1] <= 1);
            if (!fraction) {
                byChart.get("scores").put(m.getKey(), m.getValue());
            }
            return !fraction;
        });
        List<Chart> out = new ArrayList<>();
        chart(out, "loss", "Loss", "loss", byChart.get("loss"));
        chart(out, "metrics", "Evaluation metrics", "value (0 to 1)", metrics);
        chart(out, "scores", "Evaluation scores", "score", byChart.get("scores"));
        chart(out, "perplexity", "Evaluation perplexity", "perplexity", byChart.get("perplexity"));
        chart(out, "tokens", "Evaluation tokens", "tokens", byChart.get("tokens"));
        chart(out, "learning_rate", "Learning rate", "learning rate", byChart.get("learning_rate"));
        return out;
    }

    /** The chart an evaluation entry belongs on, by its name. */
    private static String scale(String key) {
        if (key.endsWith("loss")) {
            return "loss";
        }
        if (key.endsWith("perplexity")) {
            return "perplexity";
        }
        return key.endsWith("tokens") ? "tokens" : "metrics";
    }

    /** A number as people write it on an axis: 84 (not 84.0000), 0.25, 1e-3 (not 1.0E-3). */
    static String people(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a < 1e-2 || a >= 1e6) {
            String[] parts = String.format(java.util.Locale.ROOT, "%.1e", v).split("e");
            String mantissa = parts[0].endsWith(".0") ? parts[0].substring(0, parts[0].length() - 2) : parts[0];
            return mantissa + "e" + Integer.parseInt(parts[1]);
        }
        String t = new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
        return a >= 1000 ? String.format(java.util.Locale.ROOT, "%,d", Math.round(v)) : t;
    }

    /** Colours told apart also by people with a colour-vision deficiency (Okabe and Ito). */
    private static final java.awt.Color[] COLOURS = {new java.awt.Color(0, 114, 178), new java.awt.Color(230, 159, 0),
        new java.awt.Color(0, 158, 115), new java.awt.Color(204, 121, 167), new java.awt.Color(86, 180, 233),
        new java.awt.Color(213, 94, 0), new java.awt.Color(0, 0, 0), new java.awt.Color(240, 228, 66)};

    /** Writes curves_NAME.png and curves_NAME.svg for each chart into {@code dir}; returns the files. */
    public static List<Path> write(List<Chart> charts, Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Chart c : charts) {
            for (String ext : List.of("png", "svg")) {
                Path f = dir.resolve("curves_" + c.name() + "." + ext);
                c.write(f);
                files.add(f);
            }
        }
        return files;
    }

    private static void add(Map<String, List<double[]>> series, String name, double step, JsonNode v) {
        if (v != null && v.isNumber() && Double.isFinite(v.asDouble())) {
            series.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {step, v.asDouble()});
        }
    }

    private static void chart(List<Chart> out, String name, String title, String yTitle, Map<String, List<double[]>> series) {
        if (series.isEmpty()) {
            return;
        }
        System.setProperty("java.awt.headless", "true");
        XYChart c = new XYChartBuilder().width(720).height(360).title(title).xAxisTitle("step").yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE); // beside the plot, never over a line
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setSeriesColors(COLOURS);
        c.getStyler().setMarkerSize(5);
        c.getStyler().setyAxisTickLabelsFormattingFunction(Curves::people);
        c.getStyler().setxAxisTickLabelsFormattingFunction(Curves::people);
        series.forEach((label, points) -> {
            double[] x = points.stream().mapToDouble(p -> p[0]).toArray();
            double[] y = points.stream().mapToDouble(p -> p[1]).toArray();
            var s = c.addSeries(label, x, y);
            s.setMarker(points.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        });
        out.add(new Chart(name, c));
    }
}
