package org.finetune4j.peft;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.finetune4j.Fixtures;
import org.finetune4j.eval.InputsJson;
import org.finetune4j.model.Inputs;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/** Injection, targeting, trainable sets, merge / unmerge and adapter round trips. */
class LoraTest {

    @TempDir
    Path tmp;

    static LoraConfig config(List<String> targets, String regex, boolean allLinear, String bias, String init, List<Integer> layers) {
        return new LoraConfig(4, 8, 0, targets, regex, allLinear, bias, List.of(), false, false, init, layers, null, null);
    }

    static float[] logits(TransformerModel model, String fixture) {
        try (Scope scope = Scope.open()) {
            Inputs in = InputsJson.read(Fixtures.golden(fixture));
            return model.forward(in, Forward.eval()).logits().toFloatArray();
        }
    }

    static double maxDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void mergedLogitsEqualAdapterLogitsAndUnmergeRestoresTheBase() {
        Path base = Fixtures.dir("llama-lm");
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(base, null, 0).model();
            float[] q0 = model.namedParameters().get("model.layers.0.self_attn.q_proj.weight").data().toFloatArray();
            float[] plain = logits(model, "llama-lm");
            Adapters.load(model, base.resolve("lora/adapter_trained"), false);
            float[] adapted = logits(model, "llama-lm");
            assertThat(maxDiff(adapted, plain)).as("the trained adapter changes the logits").isGreaterThan(1e-4);
            LoraModel.merge(model);
            assertThat(maxDiff(logits(model, "llama-lm"), adapted)).isLessThan(1e-5);
            float[] mergedQ0 = model.namedParameters().get("model.layers.0.self_attn.q_proj.weight").data().toFloatArray();
            assertThat(maxDiff(mergedQ0, q0)).isGreaterThan(1e-5);
            LoraModel.unmerge(model);
            float[] back = model.namedParameters().get("model.layers.0.self_attn.q_proj.weight").data().toFloatArray();
            assertThat(maxDiff(back, q0)).as("unmerge restores the base weight").isLessThan(1e-6);
            assertThat(maxDiff(logits(model, "llama-lm"), adapted)).isLessThan(1e-5);
            LoraModel.mergeAndUnload(model);
            assertThat(LoraModel.adapted(model)).isEmpty();
            assertThat(model.namedParameters().keySet()).noneMatch(n -> n.contains("lora_"));
            assertThat(maxDiff(logits(model, "llama-lm"), adapted)).isLessThan(1e-5);
        }
    }

    @Test
    void gpt2Conv1dMergesTransposedAndRoundTripsThroughAnAdapterFolder() throws Exception {
        Path base = Fixtures.dir("gpt2-lm");
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(base, null, 0).model();
            float[] plain = logits(model, "gpt2-lm");
            LoraConfig c = LoraModel.apply(model, config(List.of("c_attn"), null, false, "none", "false", null), 3, "test");
            assertThat(c.fanInFanOut()).as("PEFT sets fan_in_fan_out for Conv1D").isTrue();
            assertThat(LoraModel.adapted(model)).containsOnlyKeys("transformer.h.0.attn.c_attn", "transformer.h.1.attn.c_attn");
            float[] adapted = logits(model, "gpt2-lm");
            assertThat(maxDiff(adapted, plain)).as("init_lora_weights false: B is random, the adapter is no no-op").isGreaterThan(1e-4);
            Path dir = tmp.resolve("adapter");
            Adapters.save(model, c, dir);
            TransformerModel again = Pretrained.load(base, null, 0).model();
            Adapters.load(again, dir, false);
            assertThat(maxDiff(logits(again, "gpt2-lm"), adapted)).isLessThan(1e-6);
            LoraModel.mergeAndUnload(again);
            assertThat(maxDiff(logits(again, "gpt2-lm"), adapted)).isLessThan(1e-5);
        }
    }

    @Test
    void targetsMatchLikePeft() {
        try (Scope scope = Scope.open()) {
            TransformerModel llama = Pretrained.load(Fixtures.dir("llama-lm"), null, 0).model();
            LoraConfig suffix = LoraModel.resolve(llama, config(List.of("q_proj", "self_attn.v_proj"), null, false, "none", "true", null), "t");
            assertThat(LoraModel.targets(llama, suffix, "t")).containsOnlyKeys("model.layers.0.self_attn.q_proj",
                    "model.layers.0.self_attn.v_proj", "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj");
            LoraConfig regex = LoraModel.resolve(llama, config(null, ".*\\.1\\.mlp\\..*_proj", false, "none", "true", null), "t");
            assertThat(LoraModel.targets(llama, regex, "t")).containsOnlyKeys("model.layers.1.mlp.gate_proj",
                    "model.layers.1.mlp.up_proj", "model.layers.1.mlp.down_proj");
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> LoraModel.resolve(llama, config(null, "q_proj", false, "none", "true", null), "t"))
                    .hasMessageContaining("regex 'q_proj' matches no module"); // a regex matches the whole path, not a suffix
            LoraConfig all = LoraModel.resolve(llama, config(null, null, true, "none", "true", null), "t");
            assertThat(LoraModel.targets(llama, all, "t")).hasSize(14).doesNotContainKey("lm_head");
            LoraConfig layer1 = LoraModel.resolve(llama, config(List.of("q_proj"), null, false, "none", "true", List.of(1)), "t");
            assertThat(LoraModel.targets(llama, layer1, "t")).containsOnlyKeys("model.layers.1.self_attn.q_proj");
            LoraConfig defaults = LoraModel.resolve(llama, config(null, null, false, "none", "true", null), "t");
            assertThat(defaults.targetModules()).containsExactly("q_proj", "v_proj");
            assertThat(defaults.taskType()).isEqualTo("CAUSAL_LM");
        }
    }

    @Test
    void seqClsTrainsTheClassifierAndBiasOptionsNameBaseLayerBiases() throws Exception {
        try (Scope scope = Scope.open()) {
            TransformerModel bert = Pretrained.load(Fixtures.dir("bert-seqcls"), null, 0).model();
            LoraConfig c = LoraModel.apply(bert, config(List.of("query", "value"), null, false, "lora_only", "true", null), 1, "t");
            assertThat(c.taskType()).isEqualTo("SEQ_CLS");
            assertThat(c.modulesToSave()).containsExactly("classifier", "score");
            Map<String, Parameter> params = bert.namedParameters();
            assertThat(params.entrySet().stream().filter(e -> e.getValue().trainable()).map(Map.Entry::getKey).sorted().toList())
                    .contains("bert.encoder.layer.0.attention.self.query.lora_A.weight", "bert.encoder.layer.0.attention.self.query.bias",
                            "classifier.weight", "classifier.bias")
                    .doesNotContain("bert.encoder.layer.0.attention.self.key.bias", "bert.encoder.layer.0.attention.self.query.weight");
            Adapters.save(bert, c, tmp.resolve("a"));
            try (var st = org.finetune4j.io.SafeTensors.open(tmp.resolve("a").resolve(Adapters.WEIGHTS))) {
                assertThat(st.tensors().stream().map(org.finetune4j.io.TensorInfo::name).toList())
                        .contains("base_model.model.bert.encoder.layer.1.attention.self.value.base_layer.bias",
                                "base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight",
                                "base_model.model.classifier.weight")
                        .hasSize(4 * 3 + 2);
            }
        }
    }

    @Test
    void gaussianInitAndDropoutFollowTheTrainFlag() {
        try (Scope scope = Scope.open()) {
            TransformerModel llama = Pretrained.load(Fixtures.dir("llama-lm"), null, 0).model();
            LoraConfig c = new LoraConfig(16, 16, 0.5, List.of("q_proj"), null, false, "none", List.of(), false, false, "false",
                    null, null, null);
            LoraModel.apply(llama, c, 5, "t");
            float[] e1 = logits(llama, "llama-lm");
            float[] e2 = logits(llama, "llama-lm");
            assertThat(maxDiff(e1, e2)).as("eval: no dropout").isEqualTo(0);
            float[] t1;
            try (Scope step = Scope.open()) {
                Inputs in = InputsJson.read(Fixtures.golden("llama-lm"));
                t1 = llama.forward(in, Forward.train()).logits().toFloatArray();
            }
            assertThat(maxDiff(t1, e1)).as("train: lora_dropout 0.5 changes the branch").isGreaterThan(1e-4);

            TransformerModel g = Pretrained.load(Fixtures.dir("llama-lm"), null, 0).model();
            LoraModel.apply(g, new LoraConfig(64, 64, 0, List.of("q_proj"), null, false, "none", List.of(), true, false,
                    "gaussian", null, null, null), 5, "t");
            Tensor a = g.namedParameters().get("model.layers.0.self_attn.q_proj.lora_A.weight").data();
            double std = Math.sqrt(a.pow(2).mean().item());
            assertThat(std).as("gaussian: A ~ N(0, 1/r)").isBetween(0.8 / 64, 1.2 / 64);
            assertThat(((org.finetune4j.nn.Adaptable) g.namedModules().get("model.layers.0.self_attn.q_proj")).lora().scaling)
                    .as("use_rslora: alpha / sqrt(r)").isEqualTo(64 / 8.0);
        }
    }
}
