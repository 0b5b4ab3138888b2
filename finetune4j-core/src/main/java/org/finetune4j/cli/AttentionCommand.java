package org.finetune4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tokenize.Tokenizer;
import org.finetune4j.viz.AttentionMaps;
import org.finetune4j.viz.Picture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code finetune4j attention}: heatmaps of a model's attention probabilities on a text. */
@Command(name = "attention", mixinStandardHelpOptions = true,
        description = {"Draw a heatmap of one layer's and head's attention on a text, tokens on both axes, with a colour bar.",
                "--compare DIR2 draws the first model, the second and their difference side by side (same tokenizer).",
                "--all-heads draws every head of the layer in a grid. The file type follows --out: .png or .svg."})
public final class AttentionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model folder with a tokenizer (any head).")
    Path model;

    @Option(names = "--text", required = true, paramLabel = "TEXT", description = "The text to run the model on.")
    String text;

    @Option(names = "--layer", defaultValue = "-1", paramLabel = "L", description = "Layer, 0-based; negative counts from the end (default -1: the last).")
    int layer;

    @Option(names = "--head", defaultValue = "0", paramLabel = "H", description = "Head, 0-based (default 0).")
    int head;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The image to write: FILE.png or FILE.svg.")
    Path out;

    @Option(names = "--compare", paramLabel = "DIR2", description = "A second model folder (e.g. after fine-tuning) to compare with.")
    Path compare;

    @Option(names = "--all-heads", description = "Draw every head of the layer (with --compare: of the second model's difference).")
    boolean allHeads;

    @Option(names = "--max-tokens", defaultValue = "64", paramLabel = "N", description = "Cut the text to N tokens (default 64).")
    int maxTokens;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws IOException {
        threads.apply();
        String name = out.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (!name.endsWith(".png") && !name.endsWith(".svg")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--out must end in .png or .svg");
        }
        if (maxTokens < 2) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-tokens must be at least 2");
        }
        try (Scope scope = Scope.open()) {
            AttentionMaps a = maps(model);
            Picture picture;
            if (compare != null) {
                AttentionMaps b = maps(compare);
                picture = allHeads ? differences(a, b) : a.compare(b, model.toString(), compare.toString(), layer, head);
            } else {
                picture = allHeads ? a.allHeads(model.toString(), layer) : a.single(model.toString(), layer, head);
            }
            picture.write(out);
            spec.commandLine().getOut().printf("wrote %s (%d tokens, layer %d)%n", out, a.ids().length, a.layer(layer));
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    /** The grid of every head's (second - first) difference. */
    private Picture differences(AttentionMaps a, AttentionMaps b) {
        java.util.List<org.finetune4j.viz.Heatmap.Panel> panels = new java.util.ArrayList<>();
        int l = a.layer(layer);
        b.layer(layer);
        float[][][] d = new float[a.heads()][][];
        for (int h = 0; h < a.heads(); h++) {
            float[][] x = a.probs()[l][h];
            float[][] y = b.probs()[l][h];
            d[h] = new float[x.length][x[0].length];
            for (int i = 0; i < x.length; i++) {
                for (int j = 0; j < x[i].length; j++) {
                    d[h][i][j] = y[i][j] - x[i][j];
                }
            }
        }
        var scale = org.finetune4j.viz.Heatmap.Scale.symmetric(d);
        for (int h = 0; h < d.length; h++) {
            panels.add(new org.finetune4j.viz.Heatmap.Panel("head " + h + ": second - first", d[h], a.tokens(), a.tokens(), scale));
        }
        return new org.finetune4j.viz.Heatmap("layer " + l + ": " + compare + " minus " + model, panels, Math.min(4, d.length));
    }

    private AttentionMaps maps(Path dir) {
        try (Tokenizer tok = Tokenizer.load(dir)) {
            TransformerModel m = Pretrained.load(dir, null, 0).model();
            long[] ids = AttentionMaps.encode(tok, text, Math.min(maxTokens, m.config.maxPositions()));
            AttentionMaps a = AttentionMaps.compute(m, ids, AttentionMaps.labels(tok, ids));
            a.layer(layer);
            a.head(head);
            return a;
        }
    }
}
