package org.finetune4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.Fixtures;
import org.finetune4j.eval.InputsJson;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Parameter;
import org.finetune4j.peft.Freezing;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DropoutDraws;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;

/** Gradient checkpointing (segment recomputation) gives the plain path's loss and gradients. */
class CheckpointingTest {

    @ParameterizedTest
    @ValueSource(strings = {"bert-seqcls", "bert-mlm", "distilbert-seqcls", "roberta-seqcls", "gpt2-lm", "opt-lm", "llama-lm"})
    void sameGradientsOnEveryFixture(String fixture) {
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir(fixture), null, 0).model();
            compare(model, Fixtures.golden(fixture), 1e-6);
        }
    }

    /** With dropout on, the recomputation replays each layer's masks, so the gradients still agree. */
    @Test
    void dropoutMasksReplay() {
        for (String fixture : List.of("gpt2-lm", "bert-seqcls")) {
            try (Scope scope = Scope.open()) {
                TransformerModel model = withDropout(fixture);
                Map<String, float[]> plain = compare(model, Fixtures.golden(fixture), 1e-6);
                model.namedParameters().values().forEach(Parameter::dropGradient);
                Map<String, float[]> eval = gradients(model, Fixtures.golden(fixture), new Forward(false, false, false));
                assertThat(maxDiff(plain, eval)).as("dropout changed the gradients").isGreaterThan(1e-4);
            }
        }
    }

    /**
     * In a CPU training step dropout takes the numbers drawn for the step ({@code DropoutDraws}): a recomputed layer
     * takes its forward's again, so the gradients agree, and another step's seed gives other masks.
     */
    @Test
    void drawnDropoutMasksReplay() {
        for (String fixture : List.of("gpt2-lm", "bert-seqcls")) {
            try (Scope scope = Scope.open(); DropoutDraws draws = DropoutDraws.forCurrentDevice()) {
                TransformerModel model = withDropout(fixture);
                JsonNode golden = Fixtures.golden(fixture);
                Map<String, float[]> plain;
                try (DropoutDraws.Step step = draws.step(7, 8)) {
                    plain = gradients(model, golden, Forward.train());
                    assertThat(DropoutDraws.position()).as("numbers the step's dropouts took").isPositive();
                }
                model.namedParameters().values().forEach(Parameter::dropGradient);
                Map<String, float[]> ck;
                try (DropoutDraws.Step step = draws.step(7, 8)) {
                    ck = gradients(model, golden, Forward.train().checkpointed());
                }
                model.namedParameters().values().forEach(Parameter::dropGradient);
                Map<String, float[]> other;
                try (DropoutDraws.Step step = draws.step(9, 10)) {
                    other = gradients(model, golden, Forward.train());
                }
                model.namedParameters().values().forEach(Parameter::dropGradient);
                assertThat(maxDiff(plain, ck)).as("max |plain - checkpointed| gradient").isLessThanOrEqualTo(1e-6);
                assertThat(maxDiff(plain, other)).as("another step's masks").isGreaterThan(1e-4);
            }
        }
    }

    /** The fixture's model with every dropout probability (GPT-2's and BERT's names) at 0.2. */
    private static TransformerModel withDropout(String fixture) {
        ObjectNode raw = ModelConfig.read(Fixtures.dir(fixture)).common().raw().deepCopy();
        raw.put("attn_pdrop", 0.2).put("resid_pdrop", 0.2).put("embd_pdrop", 0.2)
                .put("hidden_dropout_prob", 0.2).put("attention_probs_dropout_prob", 0.2);
        return Pretrained.load(Fixtures.dir(fixture), ModelConfig.parse(raw, fixture), null, 0).model();
    }

    /** Frozen embeddings and a frozen first layer: frozen weights get nothing, the rest the plain gradients. */
    @Test
    void frozenLowerLayers() {
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir("llama-lm"), null, 0).model();
            new Freezing(List.of(), true, 1, false).apply(model);
            Map<String, float[]> g = compare(model, Fixtures.golden("llama-lm"), 1e-6);
            assertThat(g).doesNotContainKey("model.layers.0.self_attn.q_proj.weight").containsKey("model.layers.1.mlp.up_proj.weight");
        }
    }

    /** Checkpointed, the captured hidden states and logits equal the plain pass's. */
    @Test
    void capturesSurviveTheSegmentScopes() {
        JsonNode golden = Fixtures.golden("opt-lm");
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir("opt-lm"), null, 0).model();
            Inputs in = InputsJson.read(golden);
            Forward plain = new Forward(true, true, true);
            float[] a = model.forward(in, plain).logits().toFloatArray();
            Forward ck = new Forward(true, true, true).checkpointed();
            float[] b = model.forward(in, ck).logits().toFloatArray();
            assertThat(b).containsExactly(a, org.assertj.core.data.Offset.offset(1e-6f));
            assertThat(ck.hiddenStates).hasSameSizeAs(plain.hiddenStates);
            assertThat(ck.attentions).hasSameSizeAs(plain.attentions);
            for (int i = 0; i < plain.hiddenStates.size(); i++) {
                assertThat(ck.hiddenStates.get(i).toFloatArray())
                        .containsExactly(plain.hiddenStates.get(i).toFloatArray(), org.assertj.core.data.Offset.offset(1e-6f));
            }
            for (int i = 0; i < plain.attentions.size(); i++) {
                assertThat(ck.attentions.get(i).toFloatArray())
                        .containsExactly(plain.attentions.get(i).toFloatArray(), org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
    }

    /** Plain and checkpointed gradients of the golden batch agree within {@code tol}; returns the plain ones. */
    static Map<String, float[]> compare(TransformerModel model, JsonNode golden, double tol) {
        Map<String, float[]> plain = gradients(model, golden, Forward.train());
        model.namedParameters().values().forEach(Parameter::dropGradient);
        Map<String, float[]> ck = gradients(model, golden, Forward.train().checkpointed());
        model.namedParameters().values().forEach(Parameter::dropGradient);
        assertThat(ck.keySet()).isEqualTo(plain.keySet());
        assertThat(plain).isNotEmpty();
        assertThat(maxDiff(plain, ck)).as("max |plain - checkpointed| gradient").isLessThanOrEqualTo(tol);
        return plain;
    }

    static Map<String, float[]> gradients(TransformerModel model, JsonNode golden, Forward f) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (Scope scope = Scope.open()) {
            Inputs in = InputsJson.read(golden);
            Torch.manualSeed(1234);
            try (Autograd.Guard grad = Autograd.enableGrad()) {
                f.backward(model.forward(in, f).loss());
            }
            model.namedParameters().forEach((name, p) -> {
                if (p.trainable()) {
                    out.put(name, p.grad().toFloatArray());
                }
            });
        }
        return out;
    }

    static double maxDiff(Map<String, float[]> a, Map<String, float[]> b) {
        double max = 0;
        for (Map.Entry<String, float[]> e : a.entrySet()) {
            float[] x = e.getValue();
            float[] y = b.get(e.getKey());
            assertThat(y).as(e.getKey()).hasSameSizeAs(x);
            double m = 0;
            for (int i = 0; i < x.length; i++) {
                m = Math.max(m, Math.abs(x[i] - y[i]));
            }
            max = Math.max(max, m);
        }
        return max;
    }
}
