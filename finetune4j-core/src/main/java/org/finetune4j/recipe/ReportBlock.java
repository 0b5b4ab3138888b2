package org.finetune4j.recipe;

import org.finetune4j.Finetune4jException;
import org.finetune4j.model.ModelConfig;
import org.finetune4j.viz.AttentionFocus;

/**
 * A recipe's {@code report:} block: {@code attention} ({@code text}, default a sample of the training
 * data; {@code layer}, 0-based as Transformers' {@code attentions[layer]}, default -1, the last;
 * {@code head}, 0-based, default 0), what the run report shows attention on. {@code layerPlace} and
 * {@code headPlace} name the keys for {@link #check}, which the model's size is known only to.
 */
public record ReportBlock(AttentionFocus attention, String layerPlace, String headPlace) {

    /** No {@code report} block: the report's defaults. */
    public static final ReportBlock DEFAULT = new ReportBlock(AttentionFocus.DEFAULT, "report.attention.layer",
            "report.attention.head");

    static ReportBlock read(Node root) {
        if (!root.has("report")) {
            return DEFAULT;
        }
        Node r = root.child("report");
        Node a = r.child("attention");
        String text = a.string("text", null);
        int layer = a.integer("layer", -1);
        int head = a.integer("head", 0);
        if (text != null && text.isBlank()) {
            throw a.error("text", "is empty; give a sentence, or remove the key to show a sample of the training data");
        }
        if (layer < -1) {
            throw a.error("layer", "must be 0 or more (0-based), or -1 for the last layer, got " + layer);
        }
        if (head < 0) {
            throw a.error("head", "must be 0 or more (0-based), got " + head);
        }
        a.finish();
        r.finish();
        return new ReportBlock(new AttentionFocus(text, layer, head), a.place("layer"), a.place("head"));
    }

    /** Fails, naming the key, when the layer or head is not in a model of {@code config}'s size. */
    public void check(ModelConfig config) {
        int layers = config.numLayers();
        int heads = config.numHeads();
        if (attention.layer() >= layers) {
            throw new Finetune4jException(layerPlace + " is " + attention.layer() + ", out of range: the model has "
                    + layers + " layers (0 to " + (layers - 1) + ", or -1 for the last)");
        }
        if (attention.head() >= heads) {
            throw new Finetune4jException(headPlace + " is " + attention.head() + ", out of range: the model has "
                    + heads + " heads (0 to " + (heads - 1) + ")");
        }
    }
}
