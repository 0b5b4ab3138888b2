package org.finetune4j.generate;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Fixtures;
import org.finetune4j.model.Head;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tensor.Scope;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The KV cache against the full recomputation on the fixtures' tiny GPT-2, OPT and Llama. */
class GeneratorTest {

    private static final long[] A = {5, 17, 9, 33, 2 + 40, 7};
    private static final long[] B = {11, 3, 25};

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-lm", "opt-lm", "llama-lm"})
    void cachedLogitsEqualUncachedAtEveryStep(String fixture) {
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir(fixture), Head.CAUSAL_LM, 0).model();
            Run cached = run(model, List.of(A), Sampling.GREEDY, true);
            Run full = run(model, List.of(A), Sampling.GREEDY, false);
            assertThat(cached.logits).hasSize(20);
            compare(cached, full);
            assertThat(cached.ids.get(0)).containsExactly(full.ids.get(0));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-lm", "opt-lm", "llama-lm"})
    void leftPaddedBatchRowsDecodeAsAlone(String fixture) {
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir(fixture), Head.CAUSAL_LM, 0).model();
            for (boolean cache : new boolean[] {true, false}) {
                Run batch = run(model, List.of(A, B), Sampling.GREEDY, cache, 10);
                Run alone = run(model, List.of(B), Sampling.GREEDY, cache, 10);
                assertThat(batch.ids.get(1)).containsExactly(alone.ids.get(0));
                for (int step = 0; step < alone.logits.size(); step++) {
                    float[] x = batch.logits.get(step)[1];
                    float[] y = alone.logits.get(step)[0];
                    for (int i = 0; i < x.length; i++) {
                        assertThat(Math.abs(x[i] - y[i])).as("%s step %d logit %d", fixture, step, i).isLessThan(1e-4f);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-lm", "llama-lm"})
    void samplingIsReproducibleForASeedAndCacheIndependent(String fixture) {
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir(fixture), Head.CAUSAL_LM, 0).model();
            Sampling s = new Sampling(true, 1.5, 50, 0.95, 1.2);
            List<long[]> a = sample(model, s, 7, true);
            assertThat(sample(model, s, 7, true)).usingRecursiveComparison().isEqualTo(a);
            assertThat(sample(model, s, 7, false)).usingRecursiveComparison().isEqualTo(a);
            assertThat(sample(model, s, 8, true).get(0)).isNotEqualTo(a.get(0));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-lm"})
    void stopsAtEosAndPadsFinishedRows(String fixture) {
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir(fixture), Head.CAUSAL_LM, 0).model();
            Run free = run(model, List.of(A, B), Sampling.GREEDY, true);
            long eos = free.ids.get(0)[2]; // the third token of row 0 becomes its end
            List<long[]> out = Generator.generate(model, List.of(A, B), 0,
                    new Generator.Settings(20, Sampling.GREEDY, 0, new long[] {eos}, List.of(), true), null, null);
            assertThat(out.get(0)).hasSizeLessThanOrEqualTo(3).endsWith(eos);
            assertThatThrownBy(() -> Generator.generate(model, List.of(new long[0]), 0,
                    new Generator.Settings(2, Sampling.GREEDY, 0, new long[0], List.of(), true), null, null))
                    .hasMessageContaining("at least one token");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-lm"})
    void stopStringsEndTheirRowOnly(String fixture) {
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir(fixture), Head.CAUSAL_LM, 0).model();
            Run free = run(model, List.of(A, B), Sampling.GREEDY, true);
            String stop = "<" + free.ids.get(0)[3] + ">"; // row 0's fourth token, as the decoder below spells it
            java.util.function.Function<long[], String> decode = ids -> java.util.Arrays.stream(ids)
                    .mapToObj(i -> "<" + i + ">").reduce("", String::concat);
            List<long[]> out = Generator.generate(model, List.of(A, B), 0,
                    new Generator.Settings(20, Sampling.GREEDY, 0, new long[0], List.of(stop), true), decode, null);
            assertThat(out.get(0)).hasSizeLessThanOrEqualTo(4);
            assertThat(decode.apply(out.get(0))).endsWith(stop);
            boolean bHasIt = decode.apply(java.util.Arrays.copyOf(free.ids.get(1), 20)).contains(stop);
            if (!bHasIt) {
                assertThat(out.get(1)).hasSize(20);
            }
        }
    }

    private static List<long[]> sample(TransformerModel model, Sampling s, long seed, boolean cache) {
        return Generator.generate(model, List.of(A, B), 0, new Generator.Settings(10, s, seed, new long[0], List.of(), cache),
                null, null);
    }

    private record Run(List<long[]> ids, List<float[][]> logits) {}

    private static Run run(TransformerModel model, List<long[]> prompts, Sampling s, boolean cache) {
        return run(model, prompts, s, cache, 20);
    }

    private static Run run(TransformerModel model, List<long[]> prompts, Sampling s, boolean cache, int n) {
        List<float[][]> logits = new ArrayList<>();
        List<long[]> ids = Generator.generate(model, prompts, 0, new Generator.Settings(n, s, 0, new long[0], List.of(), cache),
                null, (step, l, next) -> logits.add(l));
        return new Run(ids, logits);
    }

    private static void compare(Run a, Run b) {
        assertThat(a.logits).hasSameSizeAs(b.logits);
        for (int step = 0; step < a.logits.size(); step++) {
            float[] x = a.logits.get(step)[0];
            float[] y = b.logits.get(step)[0];
            for (int i = 0; i < x.length; i++) {
                assertThat(Math.abs(x[i] - y[i])).as("step %d logit %d", step, i).isLessThanOrEqualTo(1e-5f);
            }
        }
    }
}
