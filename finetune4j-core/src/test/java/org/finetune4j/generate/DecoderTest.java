package org.finetune4j.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Fixtures;
import org.finetune4j.model.Head;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Continuous batching: rows that join and leave a running batch decode as they do alone. */
class DecoderTest {

    private static final long[] A = {5, 17, 9, 33, 42, 7};
    private static final long[] B = {11, 3, 25};
    private static final long[] C = {8, 14, 29, 30, 31, 12, 19, 21, 6};

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-lm", "opt-lm", "llama-lm"})
    void rowsJoiningAndLeavingMidwayGetTheLogitsTheyGetAlone(String fixture) {
        TransformerModel model = Pretrained.load(Fixtures.dir(fixture), Head.CAUSAL_LM, 0).model();
        List<float[]> a = alone(model, A, 10);
        List<float[]> b = alone(model, B, 7);
        List<float[]> c = alone(model, C, 6);
        try (Decoder d = new Decoder(model, 0, true)) {
            List<List<float[]>> got = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            got.get(0).add(d.join(List.of(A))[0]);
            step(d, got, List.of(0), 2);                          // A alone
            float[][] bc = d.join(List.of(B, C));                  // B shorter, C longer than A's 8 positions
            got.get(1).add(bc[0]);
            got.get(2).add(bc[1]);
            step(d, got, List.of(0, 1, 2), 4);                     // all three
            d.keep(new int[] {1, 2});                               // A leaves: C's padding drops
            step(d, got, List.of(1, 2), 1);
            d.keep(new int[] {0});                                  // C leaves
            step(d, got, List.of(1), 1);
            assertThat(d.rows()).isEqualTo(1);
            assertClose(got.get(0), a.subList(0, 7), fixture + " A");
            assertClose(got.get(1), b.subList(0, 7), fixture + " B");
            assertClose(got.get(2), c.subList(0, 6), fixture + " C");
        }
    }

    /** Greedy steps: each row feeds the argmax of its last logits. */
    private static void step(Decoder d, List<List<float[]>> got, List<Integer> who, int steps) {
        for (int s = 0; s < steps; s++) {
            long[] next = new long[who.size()];
            for (int r = 0; r < who.size(); r++) {
                List<float[]> l = got.get(who.get(r));
                next[r] = Sampling.argMax(l.get(l.size() - 1));
            }
            float[][] logits = d.step(next);
            for (int r = 0; r < who.size(); r++) {
                got.get(who.get(r)).add(logits[r]);
            }
        }
    }

    private static List<float[]> alone(TransformerModel model, long[] prompt, int steps) {
        List<float[]> out = new ArrayList<>();
        try (Decoder d = new Decoder(model, 0, true)) {
            out.add(d.join(List.of(prompt))[0]);
            for (int s = 1; s < steps; s++) {
                out.add(d.step(new long[] {Sampling.argMax(out.get(s - 1))})[0]);
            }
        }
        return out;
    }

    private static void assertClose(List<float[]> x, List<float[]> y, String what) {
        assertThat(x).hasSize(y.size());
        for (int s = 0; s < x.size(); s++) {
            for (int i = 0; i < x.get(s).length; i++) {
                assertThat(Math.abs(x.get(s)[i] - y.get(s)[i])).as("%s step %d logit %d", what, s, i).isLessThan(1e-4f);
            }
        }
    }
}
