package org.finetune4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Fixtures;
import org.finetune4j.data.Batch;
import org.finetune4j.data.LmData;
import org.finetune4j.data.TextSource;
import org.finetune4j.train.Batches;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.finetune4j.tokenize.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The language-modelling data paths against the goldens Transformers wrote. */
class LanguageModelingTest {

    private static long[][] matrix(JsonNode rows) {
        long[][] out = new long[rows.size()][];
        for (int r = 0; r < rows.size(); r++) {
            out[r] = new long[rows.get(r).size()];
            for (int t = 0; t < out[r].length; t++) {
                out[r][t] = rows.get(r).get(t).asLong();
            }
        }
        return out;
    }

    /** The clm collator on the golden texts gives the golden batch and labels, and the model the golden loss. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-lm", "opt-lm"})
    void clmBatchAndLossEqualTheGoldens(String fixture) {
        JsonNode g = Fixtures.golden(fixture);
        List<TextSource.Text> texts = new ArrayList<>();
        g.get("texts").forEach(t -> texts.add(new TextSource.Text(Path.of("golden"), texts.size() + 1, t.asText())));
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir(fixture)); Scope scope = Scope.open()) {
            LmData data = LmData.lineByLine(texts, tok, 0, LmData.Objective.CLM, null);
            long pad = g.at("/inputs/input_ids/0").get(g.at("/inputs/input_ids/0").size() - 1).asLong();
            Batch b = data.batch(new int[] {0, 1, 2}, pad, 0);
            assertThat(b.inputIds()).isDeepEqualTo(matrix(g.at("/inputs/input_ids")));
            assertThat(b.attentionMask()).isDeepEqualTo(matrix(g.at("/inputs/attention_mask")));
            long[][] labels = matrix(g.at("/inputs/labels"));
            assertThat(b.tokenLabels()).isDeepEqualTo(labels);
            long shifted = 0;
            for (long[] row : labels) {
                for (int t = 1; t < row.length; t++) {
                    shifted += row[t] != -100 ? 1 : 0;
                }
            }
            assertThat(b.lossItems()).as("items after the shift, as Transformers counts them").isEqualTo(shifted);
            TransformerModel model = Pretrained.load(Fixtures.dir(fixture), null, 0).model();
            Output out = model.forward(Batches.inputs(b, model.config.tokenTypes()), Forward.train());
            assertThat((float) out.loss().item()).isCloseTo(g.at("/expected/loss").floatValue(), within(1e-5f));
        }
    }

    /** The golden MLM batch as the data path makes it. */
    private static Inputs mlmInputs(JsonNode g) {
        long[][] labels = matrix(g.at("/inputs/labels"));
        Batch b = Batch.tokenLabelled(matrix(g.at("/inputs/input_ids")), matrix(g.at("/inputs/attention_mask")),
                matrix(g.at("/inputs/token_type_ids")), labels, new int[] {0, 1, 2}, Batch.labelled(labels));
        return Batches.inputs(b, true);
    }

    /**
     * A pass that reads the labelled positions only ({@link Forward#labelledOnly}, implied by {@link Forward#lossOnly})
     * decodes them alone: logits [N, V], the golden loss, the golden logits at those positions; the same model in a
     * plain pass, or given no labels, decodes every position [B, T, V].
     */
    @Test
    void mlmAtLabelledPositionsEqualsTheFullHead() {
        JsonNode g = Fixtures.golden("bert-mlm");
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir("bert-mlm"), null, 0).model();
            long[][] ids = matrix(g.at("/inputs/input_ids"));
            long[][] labels = matrix(g.at("/inputs/labels"));
            Inputs in = mlmInputs(g);
            Output full = model.forward(in, Forward.train());
            Output sparse = model.forward(in, Forward.train().labelledOnly());
            Output lossOnly = model.forward(in, Forward.train().lossOnly());
            Output inference = model.forward(Inputs.of(in.inputIds(), in.attentionMask()).withTokenTypeIds(in.tokenTypeIds()),
                    Forward.eval().labelledOnly());
            assertThat((float) sparse.loss().item()).isCloseTo(g.at("/expected/loss").floatValue(), within(1e-5f));
            assertThat((float) full.loss().item()).isCloseTo(g.at("/expected/loss").floatValue(), within(1e-5f));
            long n = Batch.labelled(labels);
            long v = full.logits().size(2);
            assertThat(full.logits().shape()).containsExactly(3L, ids[0].length, v);
            assertThat(sparse.logits().shape()).containsExactly(n, v);
            assertThat(lossOnly.logits().shape()).containsExactly(n, v);
            assertThat(lossOnly.loss().item()).isEqualTo(sparse.loss().item());
            assertThat(inference.logits().shape()).containsExactly(3L, ids[0].length, v);
            float[] s = sparse.logits().toFloatArray();
            JsonNode exp = g.at("/expected/logits");
            int k = 0;
            for (int r = 0; r < labels.length; r++) {
                for (int t = 0; t < labels[r].length; t++) {
                    if (labels[r][t] == -100) {
                        continue;
                    }
                    for (int j = 0; j < v; j++) {
                        assertThat((double) s[(int) (k * v + j)]).isCloseTo(exp.get(r).get(t).get(j).asDouble(), within(1e-5));
                    }
                    k++;
                }
            }
        }
    }

    /** BERT pretraining (MLM + NSP): the loss at the labelled positions equals the full head's. */
    @Test
    void pretrainingAtLabelledPositionsEqualsTheFullHead() {
        JsonNode g = Fixtures.golden("bert-mlm");
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir("bert-mlm"), Head.PRETRAINING, 3).model();
            long[][] labels = matrix(g.at("/inputs/labels"));
            Batch b = Batch.tokenLabelled(matrix(g.at("/inputs/input_ids")), matrix(g.at("/inputs/attention_mask")),
                    matrix(g.at("/inputs/token_type_ids")), labels, new int[] {0, 1, 2}, Batch.labelled(labels))
                    .withNextSentenceLabels(new long[] {0, 1, 0});
            Inputs in = Batches.inputs(b, true);
            Output full = model.forward(in, Forward.eval());
            Output sparse = model.forward(in, Forward.eval().labelledOnly());
            assertThat((float) sparse.loss().item()).isCloseTo((float) full.loss().item(), within(1e-5f));
            assertThat(full.logits().dim()).isEqualTo(3);
            assertThat(sparse.logits().shape()).containsExactly(Batch.labelled(labels), full.logits().size(2));
            assertThat(sparse.seqRelationshipLogits().shape()).containsExactly(3L, 2L);
        }
    }

    /** DistilBERT's MLM head honours the flag too (its head initialised at random over the fixture's body). */
    @Test
    void distilBertMlmAtLabelledPositionsEqualsTheFullHead() {
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir("distilbert-seqcls"), Head.MASKED_LM, 5).model();
            Inputs in = tinyBatch();
            Output full = model.forward(in, Forward.eval());
            Output sparse = model.forward(in, Forward.eval().labelledOnly());
            long vocab = model.config.vocabSize();
            assertThat(full.logits().shape()).containsExactly(2L, 4L, vocab);
            assertThat(sparse.logits().shape()).containsExactly(3L, vocab);
            assertThat((float) sparse.loss().item()).isCloseTo((float) full.loss().item(), within(1e-5f));
        }
    }

    /** Two rows of four tokens, three of them labelled. */
    private static Inputs tinyBatch() {
        Tensor ids = Torch.tensor(new long[] {5, 6, 7, 8, 9, 10, 11, 12}, 2, 4);
        return Inputs.of(ids, Torch.onesLike(ids)).withLabels(Torch.tensor(new long[] {5, -100, 7, -100, -100, -100, -100, 12}, 2, 4));
    }

    /** Heads that cannot decode part of the positions ignore the flag: a causal LM keeps [B, T, V]. */
    @Test
    void causalLmIgnoresLabelledOnly() {
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir("gpt2-lm"), null, 0).model();
            Inputs in = tinyBatch();
            Output full = model.forward(in, Forward.eval());
            Output labelled = model.forward(in, Forward.eval().labelledOnly());
            assertThat(labelled.logits().shape()).containsExactly(full.logits().shape());
            assertThat(labelled.loss().item()).isEqualTo(full.loss().item());
        }
    }
}
