package org.finetune4j.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.finetune4j.nn.Attention;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Config variants the fixtures do not cover: OPT projections and post-norm, Qwen2, llama3 RoPE, Mistral windows. */
class DecoderVariantsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode opt() {
        return JSON.createObjectNode().put("model_type", "opt").put("vocab_size", 50).put("hidden_size", 32)
                .put("num_hidden_layers", 2).put("num_attention_heads", 4).put("ffn_dim", 64)
                .put("max_position_embeddings", 16).put("pad_token_id", 1).put("dropout", 0.0).put("init_std", 0.1);
    }

    private static ObjectNode llama(String type) {
        return JSON.createObjectNode().put("model_type", type).put("vocab_size", 50).put("hidden_size", 32)
                .put("num_hidden_layers", 2).put("num_attention_heads", 4).put("num_key_value_heads", 2)
                .put("intermediate_size", 48).put("max_position_embeddings", 32).put("pad_token_id", 0)
                .put("initializer_range", 0.1);
    }

    private static TransformerModel build(ObjectNode json, Head head) {
        TransformerModel model = TransformerModel.create(ModelConfig.parse(json, "test"), head);
        Initializer.initialiseMissing(model, 11);
        return model;
    }

    private static float[] logits(TransformerModel model) {
        Tensor ids = Torch.tensor(new long[][] {{2, 7, 9, 4, 12}, {2, 30, 8, 1, 1}});
        Tensor mask = Torch.tensor(new long[][] {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}});
        return model.forward(Inputs.of(ids, mask), Forward.eval()).logits().toFloatArray();
    }

    @Test
    void optWithWordEmbedProjectionHasProjectInAndOut() {
        try (Scope scope = Scope.open()) {
            TransformerModel model = build(opt().put("word_embed_proj_dim", 16), Head.CAUSAL_LM);
            Map<String, Parameter> p = model.namedParameters();
            assertThat(p.get("model.decoder.embed_tokens.weight").shape()).containsExactly(50, 16);
            assertThat(p.get("model.decoder.project_in.weight").shape()).containsExactly(32, 16);
            assertThat(p.get("model.decoder.project_out.weight").shape()).containsExactly(16, 32);
            assertThat(p).doesNotContainKeys("model.decoder.project_in.bias", "model.decoder.project_out.bias", "lm_head.weight");
            assertThat(model.allNamedParameters().get("lm_head.weight")).isSameAs(p.get("model.decoder.embed_tokens.weight"));
            Forward f = new Forward(false, false, true);
            Tensor ids = Torch.tensor(new long[][] {{2, 7, 9}});
            Tensor out = model.forward(Inputs.of(ids, Torch.onesLike(ids)), f).logits();
            assertThat(out.shape()).containsExactly(1, 3, 50);
            assertThat(f.hiddenStates.get(0).shape()).containsExactly(1, 3, 32);
            assertThat(f.hiddenStates.get(2).shape()).containsExactly(1, 3, 16);
        }
    }

    @Test
    void optPostNormRunsWithoutFinalNormAndDiffersFromPreNorm() {
        try (Scope scope = Scope.open()) {
            TransformerModel pre = build(opt(), Head.CAUSAL_LM);
            TransformerModel post = build(opt().put("do_layer_norm_before", false), Head.CAUSAL_LM);
            assertThat(pre.namedParameters()).containsKey("model.decoder.final_layer_norm.weight");
            assertThat(post.namedParameters()).doesNotContainKey("model.decoder.final_layer_norm.weight");
            float[] a = logits(pre);
            float[] b = logits(post);
            assertThat(b).hasSameSizeAs(a);
            for (float v : b) {
                assertThat(Float.isFinite(v)).isTrue();
            }
            double diff = 0;
            for (int i = 0; i < a.length; i++) {
                diff = Math.max(diff, Math.abs(a[i] - b[i]));
            }
            assertThat(diff).isGreaterThan(1e-3);
        }
    }

    @Test
    void qwen2HasQkvBiasesButNoOutputBias() {
        try (Scope scope = Scope.open()) {
            TransformerModel model = build(llama("qwen2"), Head.CAUSAL_LM);
            Map<String, Parameter> p = model.namedParameters();
            String attn = "model.layers.0.self_attn.";
            assertThat(p.get(attn + "q_proj.bias").shape()).containsExactly(32);
            assertThat(p.get(attn + "k_proj.bias").shape()).containsExactly(16);
            assertThat(p.get(attn + "v_proj.bias").shape()).containsExactly(16);
            assertThat(p).doesNotContainKey(attn + "o_proj.bias");
            assertThat(model.className()).isEqualTo("Qwen2ForCausalLM");
            assertThat(logits(model)).hasSize(2 * 5 * 50);
        }
    }

    @Test
    void llama3RopeScalingRemapsTheFrequencies() {
        // head_dim 8, theta 1e4: f = 1, 0.1, 0.01, 0.001, wavelengths 2 pi / f = 6.28, 62.8, 628, 6283.
        ObjectNode json = llama("llama").put("head_dim", 8).put("rope_theta", 10000.0);
        float[] plain = Llama.rope((LlamaConfig) ModelConfig.parse(json, "test")).inverseFrequencies();
        assertThat(plain).containsExactly(new float[] {1f, 0.1f, 0.01f, 0.001f}, within(1e-8f));
        json.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0).put("low_freq_factor", 1.0)
                .put("high_freq_factor", 4.0).put("original_max_position_embeddings", 1000);
        float[] scaled = Llama.rope((LlamaConfig) ModelConfig.parse(json, "test")).inverseFrequencies();
        // wavelength < 1000 / 4 stays; > 1000 / 1 is divided by 8; 628 blends with
        // s = (1000 / 628.3 - 1) / (4 - 1) = 0.1971831: (1 - s) * 0.01 / 8 + s * 0.01 = 0.002975352
        assertThat(scaled[0]).isEqualTo(1f);
        assertThat(scaled[1]).isCloseTo(0.1f, within(1e-8f));
        assertThat(scaled[2]).isCloseTo(0.002975352f, within(1e-8f));
        assertThat(scaled[3]).isCloseTo(0.000125f, within(1e-9f));
    }

    @Test
    void slidingWindowMaskHidesOldKeys() {
        try (Scope scope = Scope.open()) {
            Tensor mask = Torch.ones(DType.F32, 1, 5);
            float[] row3 = Attention.maskBias(mask, 5, true, 2).select(0, 0).select(0, 0).select(0, 3).toFloatArray();
            assertThat(row3).containsExactly(-Float.MAX_VALUE, -Float.MAX_VALUE, 0f, 0f, -Float.MAX_VALUE);
            float[] full = Attention.maskBias(mask, 5, true).select(0, 0).select(0, 0).select(0, 3).toFloatArray();
            assertThat(full).containsExactly(0f, 0f, 0f, 0f, -Float.MAX_VALUE);
        }
    }

    @Test
    void mistralWithWindowTwoAttendsOnlyToTheLastTwoPositions() {
        try (Scope scope = Scope.open()) {
            TransformerModel model = build(llama("mistral").put("sliding_window", 2), Head.CAUSAL_LM);
            assertThat(model.className()).isEqualTo("MistralForCausalLM");
            Forward f = new Forward(false, true, false);
            Tensor ids = Torch.tensor(new long[][] {{2, 7, 9, 4, 12}});
            model.forward(Inputs.of(ids, Torch.onesLike(ids)), f);
            assertThat(f.attentions).hasSize(2);
            for (Tensor probs : f.attentions) { // [B, H, T, T]
                float[] q3 = probs.select(0, 0).select(1, 3).toFloatArray(); // [H, T] flattened
                for (int h = 0; h < 4; h++) {
                    assertThat(q3[h * 5]).isZero();
                    assertThat(q3[h * 5 + 1]).isZero();
                    assertThat(q3[h * 5 + 2] + q3[h * 5 + 3]).isCloseTo(1f, within(1e-6f));
                    assertThat(q3[h * 5 + 4]).isZero();
                }
            }
        }
    }
}
