package org.finetune4j.viz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.AtomicFile;
import org.finetune4j.model.Inputs;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.finetune4j.tokenize.Tokenizer;

/**
 * Attention probabilities of one text: the tokens and, per layer and head, the matrix [query][key]
 * the model's softmax produced (eval mode, no dropout). Also the heatmap figures made from them.
 */
public record AttentionMaps(long[] ids, List<String> tokens, float[][][][] probs) {

    private static final ObjectMapper JSON = org.finetune4j.io.Json.MAPPER;

    public int layers() {
        return probs.length;
    }

    public int heads() {
        return probs[0].length;
    }

    /** The token ids of {@code text} with the tokenizer's special tokens, at most {@code maxTokens} of them. */
    public static long[] encode(Tokenizer tok, String text, int maxTokens) {
        if (text.isBlank()) {
            throw new Finetune4jException("the text to show attention on is empty");
        }
        return tok.encode(text, null, maxTokens, false).ids();
    }

    /** One token's label: its piece with the word-start markers of byte-level BPE and SentencePiece shown as '_'. */
    public static List<String> labels(Tokenizer tok, long[] ids) {
        List<String> out = new ArrayList<>();
        for (long id : ids) {
            String s = tok.decode(new long[] {id}, false);
            out.add(s.isBlank() ? "_" + s.strip() : s.replace(' ', '_'));
        }
        return out;
    }

    /** Runs {@code model} on {@code ids} [1, T] and keeps every layer's probabilities. */
    public static AttentionMaps compute(TransformerModel model, long[] ids, List<String> tokens) {
        try (Scope scope = Scope.open(); Autograd.Guard off = Autograd.noGrad()) {
            Tensor in = Torch.tensor(ids, 1, ids.length); // [1, T]
            Inputs inputs = Inputs.of(in, Torch.ones(DType.I64, 1, ids.length));
            if (model.config.tokenTypes()) {
                inputs = inputs.withTokenTypeIds(Torch.zeros(DType.I64, 1, ids.length));
            }
            Forward f = new Forward(false, true, false);
            model.forward(inputs, f);
            if (f.attentions.isEmpty()) {
                throw new Finetune4jException(model.className() + " reported no attention probabilities");
            }
            float[][][][] probs = new float[f.attentions.size()][][][];
            for (int l = 0; l < probs.length; l++) {
                Tensor a = f.attentions.get(l); // [1, H, T, T]
                int h = (int) a.size(1);
                int t = ids.length;
                float[] flat = a.toFloatArray();
                probs[l] = new float[h][t][t];
                for (int i = 0; i < h; i++) {
                    for (int q = 0; q < t; q++) {
                        System.arraycopy(flat, (i * t + q) * t, probs[l][i][q], 0, t);
                    }
                }
            }
            return new AttentionMaps(ids.clone(), List.copyOf(tokens), probs);
        }
    }

    /** Layer {@code layer} (negative counts from the end), checked against the model's layers. */
    public int layer(int layer) {
        int l = layer < 0 ? layers() + layer : layer;
        if (l < 0 || l >= layers()) {
            throw new Finetune4jException("--layer " + layer + " is out of range: the model has " + layers() + " layers");
        }
        return l;
    }

    /** Head {@code head}, checked. */
    public int head(int head) {
        if (head < 0 || head >= heads()) {
            throw new Finetune4jException("--head " + head + " is out of range: the model has " + heads() + " heads");
        }
        return head;
    }

    /** One head's heatmap. */
    public Heatmap single(String title, int layer, int head) {
        float[][] m = probs[layer(layer)][head(head)];
        return new Heatmap(title, List.of(new Heatmap.Panel("layer " + layer(layer) + ", head " + head, m, tokens, tokens,
                Heatmap.Scale.upTo(m))), 1);
    }

    /** Every head of a layer in a grid, one colour scale. */
    public Heatmap allHeads(String title, int layer) {
        int l = layer(layer);
        Heatmap.Scale scale = Heatmap.Scale.upTo(probs[l]);
        List<Heatmap.Panel> panels = new ArrayList<>();
        for (int h = 0; h < heads(); h++) {
            panels.add(new Heatmap.Panel("layer " + l + ", head " + h, probs[l][h], tokens, tokens, scale));
        }
        return new Heatmap(title, panels, Math.min(4, heads()));
    }

    /** Before (this) and after side by side on one scale, then after - before on a diverging scale. */
    public Heatmap compare(AttentionMaps after, String beforeName, String afterName, int layer, int head) {
        if (!java.util.Arrays.equals(ids, after.ids)) {
            throw new Finetune4jException("the two models tokenize the text differently; cannot compare their attention");
        }
        int l = layer(layer);
        int h = head(head);
        after.layer(layer);
        after.head(head);
        float[][] a = probs[l][h];
        float[][] b = after.probs[after.layer(layer)][h];
        float[][] d = new float[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                d[i][j] = b[i][j] - a[i][j];
            }
        }
        Heatmap.Scale scale = Heatmap.Scale.upTo(a, b);
        return new Heatmap("layer " + l + ", head " + h, List.of(
                new Heatmap.Panel(beforeName, a, tokens, tokens, scale),
                new Heatmap.Panel(afterName, b, tokens, tokens, scale),
                new Heatmap.Panel("difference (after - before)", d, tokens, tokens, Heatmap.Scale.symmetric(d))), 3);
    }

    /** The largest |after - before| over all layers and heads. */
    public double maxDifference(AttentionMaps after) {
        double worst = 0;
        for (int l = 0; l < probs.length; l++) {
            for (int h = 0; h < probs[l].length; h++) {
                for (int q = 0; q < probs[l][h].length; q++) {
                    for (int k = 0; k < probs[l][h][q].length; k++) {
                        worst = Math.max(worst, Math.abs(probs[l][h][q][k] - after.probs[l][h][q][k]));
                    }
                }
            }
        }
        return worst;
    }

    /** Saves ids, tokens and every probability as JSON (small texts only: it is [L][H][T][T]). */
    public void save(Path file) throws IOException {
        save(file, JSON.createObjectNode());
    }

    /** Saves as {@link #save(Path)} does, with the keys of {@code more} besides. */
    public void save(Path file, ObjectNode more) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.set("ids", JSON.valueToTree(ids));
        o.set("tokens", JSON.valueToTree(tokens));
        o.set("probs", JSON.valueToTree(probs));
        o.setAll(more);
        AtomicFile.write(file, out -> JSON.writeValue(out, o));
    }

    /** Reads what {@link #save} wrote. */
    public static AttentionMaps read(Path file) {
        return read(file, null);
    }

    /** Reads what {@link #save} wrote; {@code more}, when given, gets the file's other keys. */
    public static AttentionMaps read(Path file, ObjectNode more) {
        try {
            JsonNode o = JSON.readTree(file.toFile());
            if (more != null && o instanceof ObjectNode all) {
                all.fieldNames().forEachRemaining(k -> {
                    if (!List.of("ids", "tokens", "probs").contains(k)) {
                        more.set(k, all.get(k));
                    }
                });
            }
            long[] ids = JSON.treeToValue(o.get("ids"), long[].class);
            List<String> tokens = new ArrayList<>();
            ((ArrayNode) o.get("tokens")).forEach(t -> tokens.add(t.asText()));
            float[][][][] probs = JSON.treeToValue(o.get("probs"), float[][][][].class);
            if (ids.length != tokens.size() || probs.length == 0 || probs[0].length == 0 || probs[0][0].length != ids.length) {
                throw new Finetune4jException(file + ": ids, tokens and probs disagree in length");
            }
            return new AttentionMaps(ids, tokens, probs);
        } catch (IOException | RuntimeException e) {
            if (e instanceof Finetune4jException fe) {
                throw fe;
            }
            throw new Finetune4jException(file + ": not an attention file (" + e.getMessage() + ")", e);
        }
    }
}
