package org.finetune4j.model;

/** OPT: decoder with learned positions offset by 2, optional project_in/out, pre- or post-norm. */
public record OptConfig(
        CommonConfig common,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int ffnDim,
        int wordEmbedProjDim,
        String activation,
        double dropout,
        double attentionDropout,
        double activationDropout,
        int maxPositionEmbeddings,
        boolean doLayerNormBefore,
        boolean removeFinalLayerNorm,
        boolean enableBias,
        boolean layerNormElementwiseAffine) implements ModelConfig {

    @Override
    public int maxPositions() {
        return maxPositionEmbeddings;
    }

    /** OPT's learned positions start at row 2 of embed_positions. */
    public static final int POSITION_OFFSET = 2;

    /** Whether the decoder ends with final_layer_norm (pre-norm models that keep it). */
    public boolean finalLayerNorm() {
        return doLayerNormBefore && !removeFinalLayerNorm;
    }

    static OptConfig read(ConfigReader r) {
        int hidden = r.positive("hidden_size", r.integer("hidden_size", 768));
        OptConfig c = new OptConfig(
                CommonConfig.read(r, "opt", true, "init_std"),
                r.positive("vocab_size", r.integer("vocab_size", 50272)),
                hidden,
                r.positive("num_hidden_layers", r.integer("num_hidden_layers", 12)),
                r.positive("num_attention_heads", r.integer("num_attention_heads", 12)),
                r.positive("ffn_dim", r.integer("ffn_dim", 3072)),
                r.positive("word_embed_proj_dim", r.integer("word_embed_proj_dim", hidden)),
                r.string("activation_function", "relu"),
                r.number("dropout", 0.1),
                r.number("attention_dropout", 0.0),
                r.number("activation_dropout", 0.0),
                r.positive("max_position_embeddings", r.integer("max_position_embeddings", 2048)),
                r.bool("do_layer_norm_before", true),
                r.bool("_remove_final_layer_norm", false),
                r.bool("enable_bias", true),
                r.bool("layer_norm_elementwise_affine", true));
        if (c.hiddenSize % c.numHeads != 0) {
            throw r.error("hidden_size " + c.hiddenSize + " is not a multiple of num_attention_heads " + c.numHeads);
        }
        org.finetune4j.nn.Activations.parse(c.activation, r.file());
        return c;
    }
}
