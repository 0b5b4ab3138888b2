package org.finetune4j.model;

/** GPT-2: pre-norm decoder with Conv1D layers and learned positions. */
public record Gpt2Config(
        CommonConfig common,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int innerSize,
        String activation,
        double residDropout,
        double embdDropout,
        double attnDropout,
        int maxPositions,
        double layerNormEps,
        boolean scaleAttnWeights,
        boolean scaleAttnByInverseLayerIdx) implements ModelConfig {

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    static Gpt2Config read(ConfigReader r) {
        int hidden = r.positive("n_embd", r.integer("n_embd", 768));
        Gpt2Config c = new Gpt2Config(
                CommonConfig.read(r, "gpt2", true, "initializer_range"),
                r.positive("vocab_size", r.integer("vocab_size", 50257)),
                hidden,
                r.positive("n_layer", r.integer("n_layer", 12)),
                r.positive("n_head", r.integer("n_head", 12)),
                r.positive("n_inner", r.integer("n_inner", 4 * hidden)),
                r.string("activation_function", "gelu_new"),
                r.number("resid_pdrop", 0.1),
                r.number("embd_pdrop", 0.1),
                r.number("attn_pdrop", 0.1),
                r.positive("n_positions", r.integer("n_positions", 1024)),
                r.number("layer_norm_epsilon", 1e-5),
                r.bool("scale_attn_weights", true),
                r.bool("scale_attn_by_inverse_layer_idx", false));
        if (c.hiddenSize % c.numHeads != 0) {
            throw r.error("n_embd " + c.hiddenSize + " is not a multiple of n_head " + c.numHeads);
        }
        if (r.bool("reorder_and_upcast_attn", false)) {
            throw r.error("reorder_and_upcast_attn is not supported");
        }
        org.finetune4j.nn.Activations.parse(c.activation, r.file());
        return c;
    }
}
