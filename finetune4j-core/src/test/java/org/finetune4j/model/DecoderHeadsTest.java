package org.finetune4j.model;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.finetune4j.Fixtures;
import org.finetune4j.io.WeightFiles;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Parameter names and shapes of every decoder head against the fixture files; last-token pooling. */
class DecoderHeadsTest {

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-lm", "opt-lm", "llama-lm"})
    void causalLmHasExactlyTheFileKeys(String fixture) {
        ModelConfig config = ModelConfig.read(Fixtures.dir(fixture));
        TransformerModel model = TransformerModel.create(config, Head.CAUSAL_LM);
        assertThat(shapes(model.namedParameters())).isEqualTo(fileShapes(fixture));
    }

    @ParameterizedTest
    @CsvSource({"gpt2-lm, GPT2ForSequenceClassification, 32", "opt-lm, OPTForSequenceClassification, 32",
            "llama-lm, LlamaForSequenceClassification, 64"})
    void sequenceClassificationHasABiasFreeScore(String fixture, String className, long hidden) {
        ModelConfig config = ModelConfig.read(Fixtures.dir(fixture));
        TransformerModel model = TransformerModel.create(config, Head.SEQUENCE_CLASSIFICATION);
        Map<String, String> expected = backboneShapes(fixture);
        expected.put("score.weight", Arrays.toString(new long[] {config.common().numLabels(), hidden}));
        assertThat(shapes(model.namedParameters())).isEqualTo(expected);
        assertThat(model.className()).isEqualTo(className);
    }

    @ParameterizedTest
    @CsvSource({"gpt2-lm, GPT2Model, transformer.", "opt-lm, OPTModel, model.", "llama-lm, LlamaModel, model."})
    void baseModelLoadsBareBackboneKeys(String fixture, String className, String prefix) {
        TransformerModel model = TransformerModel.create(ModelConfig.read(Fixtures.dir(fixture)), Head.BASE);
        assertThat(model.className()).isEqualTo(className);
        assertThat(model.basePrefix()).isEqualTo(prefix);
        Map<String, Parameter> byName = model.allNamedParameters();
        assertThat(shapes(model.namedParameters())).isEqualTo(backboneShapes(fixture));
        for (String key : backboneShapes(fixture).keySet()) { // HF's XModel saves keys without the prefix
            String bare = key.substring(prefix.length());
            assertThat(Pretrained.match(bare, byName, model.basePrefix())).as(bare).isEqualTo(key);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-lm", "opt-lm", "llama-lm"})
    void sequenceClassificationReadsTheLastRealToken(String fixture) {
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir(fixture), Head.SEQUENCE_CLASSIFICATION, 7).model();
            Integer pad = model.config.common().padTokenId();
            long filler = pad != null ? pad : model.config.common().eosTokenId(); // GPT-2 has no pad: the mask decides
            long[] row = {5, 17, 42, 9};
            Tensor padded = Torch.tensor(new long[][] {{row[0], row[1], row[2], filler, filler}, {5, 17, 42, 9, 30}});
            Tensor mask = Torch.tensor(new long[][] {{1, 1, 1, 0, 0}, {1, 1, 1, 1, 1}});
            Tensor single = Torch.tensor(new long[][] {{row[0], row[1], row[2]}});
            float[] batched = model.forward(Inputs.of(padded, mask), Forward.eval()).logits().toFloatArray();
            float[] alone = model.forward(Inputs.of(single, Torch.onesLike(single)), Forward.eval()).logits().toFloatArray();
            assertThat(alone).hasSize(2);
            assertThat(batched[0]).isCloseTo(alone[0], within(1e-5f));
            assertThat(batched[1]).isCloseTo(alone[1], within(1e-5f));
            assertThat(batched[2]).isNotCloseTo(batched[0], within(1e-6f)); // the full row reads another token
        }
    }

    /** The fixture's tensor shapes by name. */
    private static Map<String, String> fileShapes(String fixture) {
        Map<String, String> out = new TreeMap<>();
        try (WeightFiles files = WeightFiles.open(Fixtures.dir(fixture))) {
            files.names().forEach(n -> out.put(n, Arrays.toString(files.info(n).shape())));
        }
        return out;
    }

    /** The fixture's shapes without the LM head (the backbone every head shares). */
    private static Map<String, String> backboneShapes(String fixture) {
        Map<String, String> out = fileShapes(fixture);
        out.remove("lm_head.weight");
        return out;
    }

    private static Map<String, String> shapes(Map<String, Parameter> params) {
        Map<String, String> out = new TreeMap<>();
        params.forEach((n, p) -> out.put(n, Arrays.toString(p.shape())));
        return out;
    }
}
