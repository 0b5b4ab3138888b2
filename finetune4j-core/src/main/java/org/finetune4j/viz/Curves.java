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
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /** The loss, metrics and learning-rate charts of a log (those with points). */
    public static List<Chart> charts(List<JsonNode> log) {
        Map<String, List<double[]>> loss = new LinkedHashMap<>();
        Map<String, List<double[]>> metrics = new LinkedHashMap<>();
        Map<String, List<double[]>> lr = new LinkedHashMap<>();
        for (JsonNode e : log) {
            if (!e.has("step")) {
                continue;
            }
            double step = e.get("step").asDouble();
            add(loss, "train loss", step, e.get("loss"));
            add(lr, "learning rate", step, e.get("learning_rate"));
            add(loss, "eval loss", step, e.get("eval_loss"));
            e.fieldNames().forEachRemaining(k -> {
                if (k.startsWith("eval_") && !NOT_METRICS.contains(k)) {
                    add(metrics, k.substring(5), step, e.get(k));
                }
            });
        }
        List<Chart> out = new ArrayList<>();
        chart(out, "loss", "Loss", "loss", loss);
        chart(out, "metrics", "Evaluation metrics", "value", metrics);
        chart(out, "learning_rate", "Learning rate", "learning rate", lr);
        return out;
    }

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
        XYChart c = new XYChartBuilder().width(640).height(360).title(title).xAxisTitle("step").yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setMarkerSize(5);
        c.getStyler().setYAxisDecimalPattern(name.equals("learning_rate") ? "0.0E0" : "#0.000");
        series.forEach((label, points) -> {
            double[] x = points.stream().mapToDouble(p -> p[0]).toArray();
            double[] y = points.stream().mapToDouble(p -> p[1]).toArray();
            var s = c.addSeries(label, x, y);
            s.setMarker(points.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        });
        out.add(new Chart(name, c));
    }
}
