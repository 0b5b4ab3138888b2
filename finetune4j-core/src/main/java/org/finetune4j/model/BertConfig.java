package org.finetune4j.model;

/** BERT and RoBERTa (model_type bert or roberta): same encoder, RoBERTa's own position ids. */
public record BertConfig(
        CommonConfig common,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int intermediateSize,
        String hiddenAct,
        double hiddenDropout,
        double attentionDropout,
        int maxPositionEmbeddings,
        int typeVocabSize,
        double layerNormEps,
        Double classifierDropout) implements ModelConfig {

    public boolean roberta() {
        return common.modelType().equals("roberta");
    }

    /** RoBERTa's positions start after the padding index, so padding_idx + 1 rows are not usable. */
    @Override
    public int maxPositions() {
        return roberta() ? maxPositionEmbeddings - padTokenId() - 1 : maxPositionEmbeddings;
    }

    /** RoBERTa's padding_idx, which its position ids count from. */
    public int padTokenId() {
        Integer pad = common.padTokenId();
        return pad != null ? pad : roberta() ? 1 : 0;
    }

    static BertConfig read(ConfigReader r, String type) {
        boolean roberta = type.equals("roberta");
        BertConfig c = new BertConfig(
                CommonConfig.read(r, type, true, "initializer_range"),
                r.positive("vocab_size", r.integer("vocab_size", roberta ? 50265 : 30522)),
                r.positive("hidden_size", r.integer("hidden_size", 768)),
                r.positive("num_hidden_layers", r.integer("num_hidden_layers", 12)),
                r.positive("num_attention_heads", r.integer("num_attention_heads", 12)),
                r.positive("intermediate_size", r.integer("intermediate_size", 3072)),
                r.string("hidden_act", "gelu"),
                r.number("hidden_dropout_prob", 0.1),
                r.number("attention_probs_dropout_prob", 0.1),
                r.positive("max_position_embeddings", r.integer("max_position_embeddings", 512)),
                r.integer("type_vocab_size", 2),
                r.number("layer_norm_eps", 1e-12),
                r.optionalNumber("classifier_dropout"));
        if (c.hiddenSize % c.numHeads != 0) {
            throw r.error("hidden_size " + c.hiddenSize + " is not a multiple of num_attention_heads " + c.numHeads);
        }
        String pe = r.string("position_embedding_type", "absolute");
        if (!pe.equals("absolute")) {
            throw r.error("position_embedding_type '" + pe + "' is not supported (only absolute)");
        }
        org.finetune4j.nn.Activations.parse(c.hiddenAct, r.file());
        return c;
    }
}
