package org.finetune4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.finetune4j.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** attention, curves and report through the CLI, on the fixtures and one tiny training run. */
class VizCommandsTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    private static Path run;

    /** The run's recipe: its report shows attention on a text of its own, at layer 0 (of 2), head 1. */
    private static final List<String> REPORT_BLOCK = List.of("report:", "  attention:", "    text: nice music, a warm day!",
            "    layer: 0", "    head: 1");

    @BeforeAll
    static void train() throws IOException {
        Path in = shared.resolve("inputs");
        Files.createDirectories(in);
        Path train = Files.write(in.resolve("train.tsv"), List.of("sentence\tlabel", "a good movie\tpositive",
                "the bad coffee\tnegative", "nice and warm\tpositive", "cold and late\tnegative"));
        Path dev = Files.write(in.resolve("dev.tsv"), List.of("sentence\tlabel", "good food\tpositive", "bad day\tnegative"));
        run = shared.resolve("run");
        Path recipe = Files.writeString(in.resolve("recipe.yaml"), String.join("\n",
                "model:", "  path: " + Fixtures.dir("bert-seqcls"), "data:", "  train: " + train, "  validation: " + dev,
                "  text_column: sentence", "training:", "  output_dir: " + run, "  max_steps: 4",
                "  per_device_train_batch_size: 2", "  learning_rate: 1.0e-2", "  logging_steps: 1", "  save_strategy: 'no'",
                "  eval_strategy: steps", "  eval_steps: 2", String.join("\n", REPORT_BLOCK), ""));
        CliRun r = CliRun.of("train", recipe);
        assertThat(r.code()).as(r.err()).isZero();
    }

    @Test
    void trainWritesTheReportAndItsInputs() throws IOException {
        for (String f : List.of("report.html", "run_info.json", "recipe.yaml", "attention_before.json", "confusion_matrix.json")) {
            assertThat(run.resolve(f)).as(f).isRegularFile();
        }
        String html = Files.readString(run.resolve("report.html"));
        assertThat(html).contains("Model and results", "trainable parameters", "Curves", "Confusion matrix",
                "Attention before and after training", "Recipe", "max_steps: 4");
        assertThat(html).doesNotContain("http://", "https://", "<script");
        assertThat(html.split("data:image/png;base64,", -1).length - 1).isEqualTo(5); // 3 curves, 2 attention figures
        assertThat(html).contains("Text: <code>[CLS] nice music , a warm day ! [SEP]</code>", "Shown: layer 0, head 1 (0-based",
                "alt=\"attention before and after, layer 0, head 1\"", "every head of layer 0");
        JsonNode before = MAPPER.readTree(run.resolve("attention_before.json").toFile());
        assertThat(before.get("layer").asInt()).isZero();
        assertThat(before.get("head").asInt()).isOne();
        JsonNode cm = MAPPER.readTree(run.resolve("confusion_matrix.json").toFile());
        assertThat(cm.get("labels").toString()).isEqualTo("[\"negative\",\"positive\"]");
        long total = 0;
        for (JsonNode row : cm.get("matrix")) {
            for (JsonNode v : row) {
                total += v.asLong();
            }
        }
        assertThat(total).isEqualTo(2);
        JsonNode info = MAPPER.readTree(run.resolve("run_info.json").toFile());
        assertThat(info.get("num_trainable_parameters").asLong()).isEqualTo(info.get("num_parameters").asLong()).isPositive();
    }

    @Test
    void reportRebuildsWithAForgettingTableAndRefusesBadJson() throws IOException {
        Path copy = tmp.resolve("run");
        copyTree(run, copy);
        Files.writeString(copy.resolve("forgetting.json"),
                "[{\"task\":\"sst2\",\"before\":0.91,\"after\":0.874},{\"task\":\"wikitext ppl\",\"before\":31.5,\"after\":33.25}]");
        CliRun r = CliRun.of("report", copy);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("report.html");
        String html = Files.readString(copy.resolve("report.html"));
        assertThat(html).contains("Forgetting", "<th>task</th>", "wikitext ppl", "33.2500");
        Files.writeString(copy.resolve("forgetting.json"), "{oops");
        CliRun bad = CliRun.of("report", copy);
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("forgetting.json").contains("not valid JSON");
        assertThat(Files.readString(copy.resolve("report.html"))).isEqualTo(html); // the last good report stays
        assertThat(CliRun.of("report", tmp.resolve("nowhere")).err()).contains("not a folder");
    }

    @Test
    void anAttentionFileWithoutLayerAndHeadShowsTheLastLayerHeadZero() throws IOException {
        Path copy = tmp.resolve("old");
        copyTree(run, copy);
        com.fasterxml.jackson.databind.node.ObjectNode old = (com.fasterxml.jackson.databind.node.ObjectNode)
                MAPPER.readTree(copy.resolve("attention_before.json").toFile());
        old.remove(List.of("layer", "head")); // as runs before the report block wrote it
        MAPPER.writeValue(copy.resolve("attention_before.json").toFile(), old);
        CliRun r = CliRun.of("report", copy);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(copy.resolve("report.html"))).contains("Shown: layer 1, head 0 (0-based",
                "every head of layer 1", "nice music");
    }

    @Test
    void aReportLayerOrHeadOutsideTheModelStopsTheRunBeforeItWritesAnything() throws IOException {
        Path recipe = shared.resolve("inputs/recipe.yaml");
        Path out = tmp.resolve("never");
        for (String[] bad : new String[][] {{"report.attention.layer=2", "report.attention.layer is 2, out of range: the model has 2 layers"},
            {"report.attention.head=4", "report.attention.head is 4, out of range: the model has 4 heads"}}) {
            CliRun r = CliRun.of("train", recipe, "training.output_dir=" + out, bad[0]);
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains(bad[1]).hasLineCount(1);
            assertThat(out).doesNotExist();
        }
        Path inFile = Files.writeString(tmp.resolve("r.yaml"), Files.readString(recipe).replace("layer: 0", "layer: 7")
                .replace("output_dir: " + run, "output_dir: " + out));
        CliRun r = CliRun.of("train", inFile);
        assertThat(r.err()).contains(inFile + ": report.attention.layer is 7, out of range");
        assertThat(out).doesNotExist();
    }

    @Test
    void curvesAsPngAndSvgAndBadLinesNamed() throws IOException {
        CliRun r = CliRun.of("curves", run, "--out", tmp);
        assertThat(r.code()).as(r.err()).isZero();
        for (String name : List.of("loss", "metrics", "learning_rate")) {
            BufferedImage img = ImageIO.read(tmp.resolve("curves_" + name + ".png").toFile());
            assertThat(img.getWidth()).isEqualTo(720);
            assertThat(Files.readString(tmp.resolve("curves_" + name + ".svg"))).startsWith("<?xml").contains("<svg");
        }
        Path broken = tmp.resolve("broken");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("metrics.jsonl"), "{\"loss\":1,\"step\":1}\nnot json\n");
        CliRun bad = CliRun.of("curves", broken);
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("metrics.jsonl:2");
    }

    @Test
    void attentionHeatmapsSingleGridCompareAndSvg() throws IOException {
        Path base = Fixtures.dir("bert-seqcls");
        Path png = tmp.resolve("a.png");
        CliRun r = CliRun.of("attention", "--model", base, "--text", "a good movie", "--out", png);
        assertThat(r.code()).as(r.err()).isZero();
        BufferedImage single = ImageIO.read(png.toFile());
        CliRun grid = CliRun.of("attention", "--model", base, "--text", "a good movie", "--all-heads", "--layer", "0",
                "--out", tmp.resolve("grid.png"));
        assertThat(grid.code()).as(grid.err()).isZero();
        assertThat(ImageIO.read(tmp.resolve("grid.png").toFile()).getWidth()).isGreaterThan(3 * single.getWidth());
        CliRun cmp = CliRun.of("attention", "--model", base, "--compare", run, "--text", "a good movie", "--head", "1",
                "--out", tmp.resolve("cmp.svg"));
        assertThat(cmp.code()).as(cmp.err()).isZero();
        String svg = Files.readString(tmp.resolve("cmp.svg"));
        assertThat(svg).contains("<svg", "difference (after - before)", "good", "movie");
        CliRun gpt = CliRun.of("attention", "--model", Fixtures.dir("gpt2-lm"), "--text", "hello world", "--out",
                tmp.resolve("gpt.png"));
        assertThat(gpt.code()).as(gpt.err()).isZero();
    }

    @Test
    void attentionBadInputsAreOneLineErrorsAndWriteNothing() {
        Path base = Fixtures.dir("bert-seqcls");
        CliRun layer = CliRun.of("attention", "--model", base, "--text", "a good movie", "--layer", "7", "--out", tmp.resolve("x.png"));
        assertThat(layer.code()).isEqualTo(1);
        assertThat(layer.err()).contains("--layer 7", "2 layers");
        CliRun head = CliRun.of("attention", "--model", base, "--text", "a good movie", "--head", "9", "--out", tmp.resolve("x.png"));
        assertThat(head.err()).contains("--head 9");
        CliRun ext = CliRun.of("attention", "--model", base, "--text", "a good movie", "--out", tmp.resolve("x.jpg"));
        assertThat(ext.code()).isEqualTo(2);
        assertThat(ext.err()).contains(".png or .svg");
        CliRun empty = CliRun.of("attention", "--model", base, "--text", " ", "--out", tmp.resolve("x.png"));
        assertThat(empty.code()).isEqualTo(1);
        assertThat(tmp.resolve("x.png")).doesNotExist();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
