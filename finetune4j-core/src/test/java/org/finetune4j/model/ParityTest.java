package org.finetune4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import org.finetune4j.Fixtures;
import org.finetune4j.eval.ForwardProbe;
import org.finetune4j.tensor.Scope;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Every fixture model against the goldens Transformers wrote for it (on a GPU too: -Dfinetune4j.device=cuda). */
class ParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"bert-seqcls", "bert-mlm", "distilbert-seqcls", "roberta-seqcls", "gpt2-lm", "opt-lm", "llama-lm",
        "bert-qa", "distilbert-qa"})
    void matchesTransformers(String fixture) {
        JsonNode golden = Fixtures.golden(fixture);
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir(fixture), null, 0).model();
            assertThat(model.className()).isEqualTo(golden.get("model_class").asText());
            ObjectNode got = ForwardProbe.run(model, golden, new ForwardProbe.TrainSettings(5, 1e-3, 0.01, false));
            JsonNode exp = golden.get("expected");
            assertThat(got.get("logits_shape").toString()).isEqualTo(exp.get("logits_shape").toString());
            for (String logits : new String[] {"logits", "start_logits", "end_logits"}) { // QA: start and end, as Transformers
                if (exp.has(logits)) {
                    assertClose(logits, got.get(logits), exp.get(logits), Fixtures.LOGITS, 0);
                }
            }
            assertThat(got.get("loss").doubleValue()).isCloseTo(exp.get("loss").doubleValue(), within(Fixtures.LOGITS));
            assertSummaries("hidden_states", got.get("hidden_states"), golden.get("hidden_states"));
            assertSummaries("attentions", got.get("attentions"), golden.get("attentions"));
            assertClose("grad_norms", got.get("grad_norms"), golden.get("grad_norms"), 1e-7, 1e-4);
            assertThat(got.get("grad_norms").size()).isEqualTo(golden.get("grad_norms").size());
            JsonNode train = golden.get("train");
            assertClose("loss_before_step", got.at("/train/loss_before_step"), train.get("loss_before_step"), 1e-4, 0);
            assertClose("loss_after_step", got.at("/train/loss_after_step"), train.get("loss_after_step"), 1e-4, 0);
            assertParamNorms(got.at("/train/param_norms_after"), train.get("param_norms_after"), golden.get("grad_norms"));
        }
    }

    /**
     * Parameter norms after 5 steps within 1e-4 relative. A parameter whose true gradient is zero
     * (attention key biases: softmax ignores a constant shift) gets only float rounding noise, which
     * Adam normalises into steps of up to lr; there both sides only have to stay within 5 lr.
     */
    private static void assertParamNorms(JsonNode got, JsonNode exp, JsonNode gradNorms) {
        exp.fields().forEachRemaining(e -> {
            boolean noise = gradNorms.get(e.getKey()).doubleValue() < 1e-6;
            assertClose("param_norms_after." + e.getKey(), got.get(e.getKey()), e.getValue(), noise ? 5e-3 : 1e-6, 1e-4);
        });
    }

    private static void assertSummaries(String what, JsonNode got, JsonNode exp) {
        assertThat(got.size()).as(what + " count").isEqualTo(exp.size());
        for (int i = 0; i < exp.size(); i++) {
            assertThat(got.get(i).get("shape").toString()).as(what + "[" + i + "].shape").isEqualTo(exp.get(i).get("shape").toString());
            assertClose(what + "[" + i + "]", got.get(i), exp.get(i), 1e-4, 1e-4);
        }
    }

    /** Recursively compares numbers: |a - b| <= abs + rel * |b|. Objects compare by the expected keys. */
    static void assertClose(String path, JsonNode got, JsonNode exp, double abs, double rel) {
        assertThat(got).as(path + " present").isNotNull();
        if (exp.isNumber()) {
            double tol = abs + rel * Math.abs(exp.doubleValue());
            assertThat(got.doubleValue()).as(path).isCloseTo(exp.doubleValue(), within(tol));
        } else if (exp.isArray()) {
            assertThat(got.size()).as(path + " size").isEqualTo(exp.size());
            for (int i = 0; i < exp.size(); i++) {
                assertClose(path + "[" + i + "]", got.get(i), exp.get(i), abs, rel);
            }
        } else if (exp.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = exp.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                assertClose(path + "." + e.getKey(), got.get(e.getKey()), e.getValue(), abs, rel);
            }
        }
    }
}
