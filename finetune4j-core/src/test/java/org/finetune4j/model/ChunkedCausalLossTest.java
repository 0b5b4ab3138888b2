package org.finetune4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.finetune4j.Fixtures;
import org.finetune4j.eval.InputsJson;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The causal LM loss computed in row chunks from the hidden states equals the loss of the full logits. */
class ChunkedCausalLossTest {

    /** 14 rows in chunks of 3 (the last one short), ignored labels included: same loss, same gradients. */
    @Test
    void chunksGiveTheLossAndGradientsOfTheFullLogits() {
        try (Scope scope = Scope.open()) {
            long vocab = 11;
            Tensor labels = Torch.tensor(new long[] {-100, 3, 1, 7, 10, -100, 2, -100, -100, 4, 0, 9, 5, 6}, 2, 7);
            float[][] full = lossAndGradients(h -> Losses.causalLm(h[0].matmul(h[1].t()), labels));
            float[][] chunked = lossAndGradients(
                    h -> Losses.causalLm(h[0], x -> x.matmul(h[1].t()), vocab, labels, 3 * Float.BYTES * vocab));
            assertThat(chunked[0][0]).isCloseTo(full[0][0], within(1e-6f));
            for (int i = 1; i < full.length; i++) {
                assertThat(chunked[i]).containsExactly(full[i], org.assertj.core.data.Offset.offset(1e-7f));
            }
        }
    }

    /** {loss}, then the gradients of the hidden states [2, 7, 16] and of the head's weight [11, 16]. */
    private static float[][] lossAndGradients(java.util.function.Function<Tensor[], Tensor> loss) {
        Torch.manualSeed(7);
        Tensor h = Torch.randn(2, 7, 16).requiresGrad_(true);
        Tensor w = Torch.randn(11, 16).requiresGrad_(true);
        Tensor l = loss.apply(new Tensor[] {h, w});
        l.backward();
        return new float[][] {{(float) l.item()}, h.grad().toFloatArray(), w.grad().toFloatArray()};
    }

    /**
     * On the fixtures, a loss-only pass under a frozen head returns no logits, the golden loss and the
     * plain pass's gradients; with the head training it takes the plain path.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-lm", "opt-lm", "llama-lm"})
    void lossOnlyPassesMatchThePlainOnes(String fixture) {
        JsonNode golden = Fixtures.golden(fixture);
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir(fixture), null, 0).model();
            Inputs in = InputsJson.read(golden);
            assertThat(model.forward(in, Forward.eval().lossOnly()).logits()).as("a trained head").isNotNull();
            model.namedParameters().forEach((name, p) -> {
                if (HEADS.contains(name)) {
                    p.setTrainable(false); // tied: the token embeddings are the head
                }
            });
            Output out = model.forward(in, Forward.eval().lossOnly());
            assertThat(out.logits()).isNull();
            assertThat((float) (float) out.loss().item()).isCloseTo(golden.at("/expected/loss").floatValue(), within(1e-5f));
            Map<String, float[]> plain = CheckpointingTest.gradients(model, golden, Forward.train());
            model.namedParameters().values().forEach(Parameter::dropGradient);
            Map<String, float[]> lossOnly = CheckpointingTest.gradients(model, golden, Forward.train().lossOnly());
            assertThat(lossOnly.keySet()).isEqualTo(plain.keySet()).isNotEmpty();
            assertThat(CheckpointingTest.maxDiff(plain, lossOnly)).isLessThanOrEqualTo(1e-6);
        }
    }

    private static final java.util.Set<String> HEADS = java.util.Set.of("lm_head.weight", "transformer.wte.weight",
            "model.decoder.embed_tokens.weight", "model.embed_tokens.weight");
}
