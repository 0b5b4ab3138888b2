package org.finetune4j.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The Llama family (model_type llama, mistral, qwen2): RMSNorm, RoPE, grouped-query attention,
 * SwiGLU MLP. Qwen2 has q/k/v biases; Mistral a sliding attention window.
 */
public record LlamaConfig(
        CommonConfig common,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int intermediateSize,
        String hiddenAct,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias,
        double attentionDropout,
        Integer slidingWindow) implements ModelConfig {

    /** Rotary positions have no table to run off; max_position_embeddings is only what it was trained on. */
    @Override
    public int maxPositions() {
        return Integer.MAX_VALUE;
    }

    /** rope_scaling of type llama3 (Llama 3.1+); null means plain RoPE. */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {}

    static LlamaConfig read(ConfigReader r, String type) {
        boolean qwen = type.equals("qwen2");
        boolean mistral = type.equals("mistral");
        int hidden = r.positive("hidden_size", r.integer("hidden_size", 4096));
        int heads = r.positive("num_attention_heads", r.integer("num_attention_heads", 32));
        int kv = r.positive("num_key_value_heads", r.integer("num_key_value_heads", mistral ? 8 : heads));
        if (heads % kv != 0) {
            throw r.error("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kv);
        }
        int headDim = r.positive("head_dim", r.integer("head_dim", hidden / heads));
        boolean attnBias = r.bool("attention_bias", false);
        LlamaConfig c = new LlamaConfig(
                CommonConfig.read(r, type, false, "initializer_range"),
                r.positive("vocab_size", r.integer("vocab_size", qwen ? 151936 : 32000)),
                hidden, r.positive("num_hidden_layers", r.integer("num_hidden_layers", 32)), heads, kv, headDim,
                r.positive("intermediate_size", r.integer("intermediate_size", qwen ? 22016 : mistral ? 14336 : 11008)),
                r.string("hidden_act", "silu"),
                r.positive("max_position_embeddings", r.integer("max_position_embeddings", qwen ? 32768 : mistral ? 131072 : 2048)),
                r.number("rms_norm_eps", 1e-6),
                r.number("rope_theta", 10000.0),
                ropeScaling(r),
                qwen || attnBias, !qwen && attnBias, r.bool("mlp_bias", false),
                r.number("attention_dropout", 0.0),
                slidingWindow(r, type));
        org.finetune4j.nn.Activations.parse(c.hiddenAct, r.file());
        return c;
    }

    private static Integer slidingWindow(ConfigReader r, String type) {
        if (type.equals("mistral") || (type.equals("qwen2") && r.bool("use_sliding_window", false))) {
            return r.optionalInt("sliding_window");
        }
        return null;
    }

    private static RopeScaling ropeScaling(ConfigReader r) {
        JsonNode s = r.object("rope_scaling");
        if (s == null) {
            return null;
        }
        String kind = s.path("rope_type").asText(s.path("type").asText(""));
        if (kind.equals("default")) {
            return null;
        }
        if (!kind.equals("llama3")) {
            throw r.error("rope_scaling type '" + kind + "' is not supported (supported: llama3, default)");
        }
        for (String k : new String[] {"factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"}) {
            if (!s.path(k).isNumber()) {
                throw r.error("rope_scaling needs a number for '" + k + "'");
            }
        }
        return new RopeScaling(s.get("factor").doubleValue(), s.get("low_freq_factor").doubleValue(),
                s.get("high_freq_factor").doubleValue(), s.get("original_max_position_embeddings").intValue());
    }
}
