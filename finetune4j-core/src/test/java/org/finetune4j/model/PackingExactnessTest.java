package org.finetune4j.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.finetune4j.Fixtures;
import org.finetune4j.data.Batch;
import org.finetune4j.data.Packing;
import org.finetune4j.train.Batches;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Autocast;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A packed batch gives every example the logits and loss it gets padded, one example a row: rows of mixed
 * lengths, several examples a row, on the fixture models (RoBERTa's positions, BERT's token types, GPT-2, OPT
 * and Llama causal masks, a Mistral sliding window); extractive QA gives each example its span logits and loss
 * alone.
 */
class PackingExactnessTest {

    /** Example lengths: rows of 16 tokens hold them as {12, 3, 1}, {9, 7}, {5, 5, 2}, {4} ... */
    private static final int[] LENGTHS = {5, 12, 3, 9, 1, 7, 5, 2, 4};
    private static final int CAPACITY = 16;

    @ParameterizedTest
    @ValueSource(strings = {"bert-seqcls", "roberta-seqcls", "distilbert-seqcls", "gpt2-lm", "opt-lm", "llama-lm"})
    void sequenceClassificationLogitsAndLossMatchThePaddedBatch(String fixture) {
        TransformerModel model = Pretrained.load(Fixtures.dir(fixture), Head.SEQUENCE_CLASSIFICATION, 7).model();
        long[] labels = new SplittableRandom(3).longs(LENGTHS.length, 0, model.config.common().numLabels()).toArray();
        Batch padded = padded(model, labels, null);
        compare(model, padded, Packing.pack(padded, CAPACITY, pad(model), false), false);
    }

    @ParameterizedTest
    @CsvSource({"bert-seqcls, TOKEN_CLASSIFICATION", "roberta-seqcls, TOKEN_CLASSIFICATION",
            "distilbert-seqcls, TOKEN_CLASSIFICATION", "bert-mlm, MASKED_LM", "roberta-seqcls, MASKED_LM"})
    void tokenLabelledLogitsAndLossMatchThePaddedBatch(String fixture, Head head) {
        TransformerModel model = Pretrained.load(Fixtures.dir(fixture), head, 7).model();
        long classes = head == Head.MASKED_LM ? model.config.vocabSize() : model.config.common().numLabels();
        Batch padded = padded(model, null, tokenLabels(classes, 0.5));
        compare(model, padded, Packing.pack(padded, CAPACITY, pad(model), false), true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-lm", "opt-lm", "llama-lm", "mistral"})
    void causalLmLogitsAndShiftedLossMatchThePaddedBatch(String fixture) {
        TransformerModel model = fixture.equals("mistral") ? mistral() : Pretrained.load(Fixtures.dir(fixture), Head.CAUSAL_LM, 7).model();
        Batch padded = padded(model, null, tokenLabels(model.config.vocabSize(), 0.8));
        Batch packed = Packing.pack(padded, CAPACITY, pad(model), true);
        assertThat(packed.size()).isLessThan(padded.size());
        compare(model, padded, packed, true);
    }

    /**
     * Extractive QA: each example's start and end logits, read back from the packed rows in its own coordinates,
     * and its loss are those it gets alone in a batch of one (no pads); past its end the logits are the lowest
     * float, so the packed loss is the mean of the examples' losses alone. A padded batch differs there: its pad
     * logits enter the softmax (as in Transformers), so only its real tokens' logits agree.
     */
    @ParameterizedTest
    @ValueSource(strings = {"bert-qa", "distilbert-qa"})
    void questionAnsweringSpanLogitsAndLossesMatchEachExampleAlone(String fixture) {
        TransformerModel model = Pretrained.load(Fixtures.dir(fixture), Head.QUESTION_ANSWERING, 7).model();
        SplittableRandom rng = new SplittableRandom(13);
        long[] start = Arrays.stream(LENGTHS).mapToLong(len -> rng.nextLong(0, len)).toArray();
        long[] end = Arrays.stream(LENGTHS).mapToLong(len -> rng.nextLong(0, len)).toArray();
        Batch padded = padded(model, null, null).withSpans(start, end);
        Batch packed = Packing.pack(padded, CAPACITY, pad(model), false);
        assertThat(packed.size()).isLessThan(padded.size());
        int t = padded.length();
        try (Scope scope = Scope.open(); Autograd.Guard g = Autograd.noGrad()) {
            Output p = model.forward(Batches.inputs(packed, model.config.tokenTypes()), Forward.eval());
            Output q = model.forward(Batches.inputs(padded, model.config.tokenTypes()), Forward.eval());
            assertThat(p.startLogits().shape()).containsExactly(LENGTHS.length, t);
            float[][] packedSpans = {p.startLogits().toFloatArray(), p.endLogits().toFloatArray()};
            float[][] paddedSpans = {q.startLogits().toFloatArray(), q.endLogits().toFloatArray()};
            double sum = 0;
            for (int e = 0; e < LENGTHS.length; e++) {
                int len = LENGTHS[e];
                Output a = model.forward(Batches.inputs(alone(padded, e, len), model.config.tokenTypes()), Forward.eval());
                float[][] mine = {a.startLogits().toFloatArray(), a.endLogits().toFloatArray()};
                long[] gold = {start[e], end[e]};
                double loss = 0;
                for (int k = 0; k < 2; k++) {
                    float[] row = Arrays.copyOfRange(packedSpans[k], e * t, (e + 1) * t);
                    assertThat(Arrays.copyOf(row, len)).as("example %d", e).containsExactly(mine[k], within(1e-5f));
                    assertThat(Arrays.copyOfRange(paddedSpans[k], e * t, e * t + len)).containsExactly(mine[k], within(1e-5f));
                    for (int i = len; i < t; i++) {
                        assertThat(row[i]).isEqualTo(-Float.MAX_VALUE);
                    }
                    loss += crossEntropy(row, gold[k]) / 2;
                }
                assertThat(loss).as("example %d", e).isCloseTo(a.loss().item(), within(1e-5));
                sum += a.loss().item();
            }
            assertThat(p.loss().item()).isCloseTo(sum / LENGTHS.length, within(1e-5));
            assertThat(q.loss().item()).as("a padded batch's loss has its pads in the softmax")
                    .isNotCloseTo(sum / LENGTHS.length, within(1e-3));
        }
    }

    /**
     * Under bf16 autocast the packed QA logits are widened to float32 before the lowest float32 fills the slots past
     * each example's end (it overflows bf16): the loss is finite and each example's logits are its bf16 logits alone.
     */
    @Test
    void questionAnsweringPacksUnderBf16() {
        TransformerModel model = Pretrained.load(Fixtures.dir("bert-qa"), Head.QUESTION_ANSWERING, 7).model();
        long[] spans = new long[LENGTHS.length];
        Batch padded = padded(model, null, null).withSpans(spans, spans);
        Batch packed = Packing.pack(padded, CAPACITY, pad(model), false);
        try (Scope scope = Scope.open(); Autograd.Guard g = Autograd.noGrad(); Autograd.Guard bf16 = Autocast.of(DType.BF16)) {
            Output p = model.forward(Batches.inputs(packed, true), Forward.eval());
            assertThat(p.loss().item()).isFinite();
            float[] start = p.startLogits().toFloatArray();
            int e = 1;
            Output a = model.forward(Batches.inputs(alone(padded, e, LENGTHS[e]), true), Forward.eval());
            float[] mine = a.startLogits().to(DType.F32).toFloatArray();
            int t = padded.length();
            assertThat(Arrays.copyOfRange(start, e * t, e * t + LENGTHS[e])).containsExactly(mine, within(0.05f));
        }
    }

    /** Example e of a padded batch alone, its {@code len} tokens in a batch of one (no pads), with its span. */
    private static Batch alone(Batch b, int e, int len) {
        return new Batch(new long[][] {Arrays.copyOf(b.inputIds()[e], len)},
                new long[][] {Arrays.copyOf(b.attentionMask()[e], len)}, new long[][] {Arrays.copyOf(b.tokenTypeIds()[e], len)},
                null, null, null, new long[] {b.startPositions()[e]}, new long[] {b.endPositions()[e]}, new int[] {0}, 1);
    }

    /** -log softmax(logits)[gold], in double. */
    private static double crossEntropy(float[] logits, long gold) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : logits) {
            sum += Math.exp(x - max);
        }
        return max + Math.log(sum) - logits[(int) gold];
    }

    /** The llama fixture as Mistral with a sliding window of 3 (shorter than most examples). */
    private static TransformerModel mistral() {
        ObjectNode raw = ModelConfig.read(Fixtures.dir("llama-lm")).common().raw().deepCopy();
        raw.put("model_type", "mistral").put("sliding_window", 3);
        return Pretrained.load(Fixtures.dir("llama-lm"), ModelConfig.parse(raw, "mistral"), Head.CAUSAL_LM, 7).model();
    }

    /** Per-example logits (first tokens' rows or every token's) and the loss of both batches agree within 1e-5. */
    private static void compare(TransformerModel model, Batch padded, Batch packed, boolean perToken) {
        assertThat(packed.packing()).isNotNull();
        assertThat(packed.examples()).isEqualTo(padded.size());
        assertThat(packed.tokens()).isEqualTo(padded.tokens());
        try (Scope scope = Scope.open(); Autograd.Guard g = Autograd.noGrad()) {
            Output a = model.forward(Batches.inputs(padded, model.config.tokenTypes()), Forward.eval());
            Output b = model.forward(Batches.inputs(packed, model.config.tokenTypes()), Forward.eval());
            float[] x = a.logits().toFloatArray();
            float[] y = b.logits().toFloatArray();
            if (!perToken) {
                assertThat(y).containsExactly(x, within(1e-5f));
            } else {
                int k = (int) a.logits().size(2);
                for (int e = 0; e < padded.size(); e++) {
                    int len = (int) Arrays.stream(padded.attentionMask()[e]).sum();
                    int from = (int) packed.packing().firsts()[e];
                    float[] alone = Arrays.copyOfRange(x, e * padded.length() * k, (e * padded.length() + len) * k);
                    float[] inRow = Arrays.copyOfRange(y, from * k, (from + len) * k);
                    assertThat(inRow).as("example %d", e).containsExactly(alone, within(1e-5f));
                }
            }
            assertThat(b.loss().item()).isCloseTo(a.loss().item(), within(1e-5));
        }
    }

    private static long pad(TransformerModel model) {
        Integer pad = model.config.common().padTokenId();
        return pad != null ? pad : 0;
    }

    /** Examples of {@link #LENGTHS} random ids (never the pad id), right-padded; BERT pairs get type 1 on their second half. */
    private static Batch padded(TransformerModel model, long[] labels, long[][] tokenLabels) {
        SplittableRandom rng = new SplittableRandom(11);
        int n = LENGTHS.length;
        int t = Arrays.stream(LENGTHS).max().orElseThrow();
        long pad = pad(model);
        long[][] ids = new long[n][t];
        long[][] mask = new long[n][t];
        long[][] types = new long[n][t];
        boolean pairs = model.config instanceof BertConfig c && c.typeVocabSize() > 1;
        for (int e = 0; e < n; e++) {
            Arrays.fill(ids[e], pad);
            for (int i = 0; i < LENGTHS[e]; i++) {
                long id;
                do {
                    id = rng.nextLong(3, model.config.vocabSize());
                } while (id == pad);
                ids[e][i] = id;
                mask[e][i] = 1;
                types[e][i] = pairs && i >= LENGTHS[e] / 2 ? 1 : 0;
            }
            if (tokenLabels != null) {
                for (int i = LENGTHS[e]; i < t; i++) {
                    tokenLabels[e][i] = -100;
                }
            }
        }
        int[] order = java.util.stream.IntStream.range(0, n).toArray();
        long items = tokenLabels == null ? n : Batch.labelled(tokenLabels);
        return new Batch(ids, mask, types, labels, tokenLabels, null, null, null, order, items);
    }

    /** Random token labels below {@code classes}, each kept with probability {@code keep} (else -100). */
    private static long[][] tokenLabels(long classes, double keep) {
        SplittableRandom rng = new SplittableRandom(5);
        int t = Arrays.stream(LENGTHS).max().orElseThrow();
        long[][] out = new long[LENGTHS.length][t];
        for (long[] row : out) {
            for (int i = 0; i < t; i++) {
                row[i] = rng.nextDouble() < keep ? rng.nextLong(0, classes) : -100;
            }
        }
        return out;
    }
}
