package org.finetune4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.finetune4j.Fixtures;
import org.finetune4j.eval.InputsJson;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Parameter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The causal LM loss computed in row chunks from the hidden states equals the loss of the full logits. */
class ChunkedCausalLossTest {

    /** 14 rows in chunks of 3 (the last one short), ignored labels included: same loss, same gradients. */
    @Test
    void chunksGiveTheLossAndGradientsOfTheFullLogits() {
        try (NDManager m = NDManager.newBaseManager()) {
            long vocab = 11;
            NDArray labels = m.create(new long[] {-100, 3, 1, 7, 10, -100, 2, -100, -100, 4, 0, 9, 5, 6}, new Shape(2, 7));
            float[][] full = lossAndGradients(m, labels, h -> Losses.causalLm(h.get(0).matMul(h.get(1).transpose()), labels));
            float[][] chunked = lossAndGradients(m, labels,
                    h -> Losses.causalLm(h.get(0), x -> x.matMul(h.get(1).transpose()), vocab, labels, 3 * Float.BYTES * vocab));
            assertThat(chunked[0][0]).isCloseTo(full[0][0], within(1e-6f));
            for (int i = 1; i < full.length; i++) {
                assertThat(chunked[i]).containsExactly(full[i], org.assertj.core.data.Offset.offset(1e-7f));
            }
        }
    }

    /** {loss}, then the gradients of the hidden states [2, 7, 16] and of the head's weight [11, 16]. */
    private static float[][] lossAndGradients(NDManager m, NDArray labels, java.util.function.Function<ai.djl.ndarray.NDList, NDArray> loss) {
        ai.djl.engine.Engine.getInstance().setRandomSeed(7);
        NDArray h = m.randomNormal(new Shape(2, 7, 16));
        NDArray w = m.randomNormal(new Shape(11, 16));
        h.setRequiresGradient(true);
        w.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = loss.apply(new ai.djl.ndarray.NDList(h, w));
            gc.backward(l);
            return new float[][] {{l.getFloat()}, h.getGradient().toFloatArray(), w.getGradient().toFloatArray()};
        }
    }

    /**
     * On the fixtures, a loss-only pass under a frozen head returns no logits, the golden loss and the
     * plain pass's gradients; with the head training it takes the plain path.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-lm", "opt-lm", "llama-lm"})
    void lossOnlyPassesMatchThePlainOnes(String fixture) {
        JsonNode golden = Fixtures.golden(fixture);
        try (NDManager manager = NDManager.newBaseManager(); NDManager scope = manager.newSubManager()) {
            TransformerModel model = Pretrained.load(Fixtures.dir(fixture), null, manager, 0).model();
            Inputs in = InputsJson.read(golden, scope);
            assertThat(model.forward(in, Forward.eval().lossOnly()).logits()).as("a trained head").isNotNull();
            model.namedParameters().forEach((name, p) -> {
                if (HEADS.contains(name)) {
                    p.setTrainable(false); // tied: the token embeddings are the head
                }
            });
            Output out = model.forward(in, Forward.eval().lossOnly());
            assertThat(out.logits()).isNull();
            assertThat(out.loss().getFloat()).isCloseTo(golden.at("/expected/loss").floatValue(), within(1e-5f));
            Map<String, float[]> plain = CheckpointingTest.gradients(model, golden, Forward.train(), manager);
            model.namedParameters().values().forEach(Parameter::dropGradient);
            Map<String, float[]> lossOnly = CheckpointingTest.gradients(model, golden, Forward.train().lossOnly(), manager);
            assertThat(lossOnly.keySet()).isEqualTo(plain.keySet()).isNotEmpty();
            assertThat(CheckpointingTest.maxDiff(plain, lossOnly)).isLessThanOrEqualTo(1e-6);
        }
    }

    private static final java.util.Set<String> HEADS = java.util.Set.of("lm_head.weight", "transformer.wte.weight",
            "model.decoder.embed_tokens.weight", "model.embed_tokens.weight");
}
