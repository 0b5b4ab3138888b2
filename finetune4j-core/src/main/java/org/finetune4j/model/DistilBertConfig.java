package org.finetune4j.model;

/** DistilBERT: BERT without token types or pooler, its own key names. */
public record DistilBertConfig(
        CommonConfig common,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int hiddenDim,
        String activation,
        double dropout,
        double attentionDropout,
        int maxPositionEmbeddings,
        boolean sinusoidalPosEmbds,
        double qaDropout,
        double seqClassifDropout) implements ModelConfig {

    @Override
    public int maxPositions() {
        return maxPositionEmbeddings;
    }

    static DistilBertConfig read(ConfigReader r) {
        DistilBertConfig c = new DistilBertConfig(
                CommonConfig.read(r, "distilbert", true, "initializer_range"),
                r.positive("vocab_size", r.integer("vocab_size", 30522)),
                r.positive("dim", r.integer("dim", 768)),
                r.positive("n_layers", r.integer("n_layers", 6)),
                r.positive("n_heads", r.integer("n_heads", 12)),
                r.positive("hidden_dim", r.integer("hidden_dim", 3072)),
                r.string("activation", "gelu"),
                r.number("dropout", 0.1),
                r.number("attention_dropout", 0.1),
                r.positive("max_position_embeddings", r.integer("max_position_embeddings", 512)),
                r.bool("sinusoidal_pos_embds", false),
                r.number("qa_dropout", 0.1),
                r.number("seq_classif_dropout", 0.2));
        if (c.hiddenSize % c.numHeads != 0) {
            throw r.error("dim " + c.hiddenSize + " is not a multiple of n_heads " + c.numHeads);
        }
        if (c.sinusoidalPosEmbds) {
            throw r.error("sinusoidal_pos_embds is not supported");
        }
        org.finetune4j.nn.Activations.parse(c.activation, r.file());
        return c;
    }
}
