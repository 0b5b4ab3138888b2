package org.finetune4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.junit.jupiter.api.Test;

/** The KV cache's rows and positions, and that what it holds outlives the steps that made it. */
class KvCacheTest {

    private static Tensor filled(long rows, long t, float first) {
        float[] data = new float[(int) (rows * 2 * t * 3)];
        for (int i = 0; i < data.length; i++) {
            data[i] = first + i;
        }
        return Torch.tensor(data, rows, 2, t, 3); // [B, Hkv, T, D]
    }

    @Test
    void theCacheOutlivesTheStepsThatFilledIt() {
        try (KvCache cache = new KvCache()) {
            for (int step = 0; step < 3; step++) {
                try (Scope scope = Scope.open()) {
                    Tensor[] kv = cache.append(0, filled(1, 1, step), filled(1, 1, -step));
                    Tensor derived = kv[0].transpose(2, 3); // as attention's k^T, freed with the step
                    assertThat(derived.shape()).containsExactly(1, 2, 3, step + 1);
                }
            }
            assertThat(cache.length()).isEqualTo(3);
            try (Scope scope = Scope.open()) {
                Tensor k = cache.append(0, filled(1, 1, 3), filled(1, 1, -3))[0];
                assertThat(k.select(0, 0).select(0, 0).select(1, 0).toFloatArray()).containsExactly(0f, 1f, 2f, 3f);
            }
        }
    }

    @Test
    void rowsJoinPadAndLeave() {
        try (KvCache a = new KvCache(); KvCache b = new KvCache()) {
            try (Scope scope = Scope.open()) {
                a.append(0, filled(2, 2, 0), filled(2, 2, 0));
                b.append(0, filled(1, 4, 100), filled(1, 4, 100));
            }
            a.padLeft(2);
            assertThat(a.length()).isEqualTo(4);
            a.join(b);
            assertThat(a.rows()).isEqualTo(3);
            try (Scope scope = Scope.open()) {
                Tensor k = a.append(0, filled(3, 1, 0), filled(3, 1, 0))[0];
                assertThat(k.shape()).containsExactly(3, 2, 5, 3);
                assertThat(k.select(0, 0).select(0, 0).slice(0, 0, 2).toFloatArray()).containsOnly(0f); // the padding
                assertThat(k.select(0, 2).select(0, 0).select(0, 0).select(0, 0).item()).isEqualTo(100.0); // b's row, unpadded
            }
            a.select(new long[] {2}, 1);
            assertThat(a.rows()).isEqualTo(1);
            assertThat(a.length()).isEqualTo(4);
            try (Scope scope = Scope.open()) {
                Tensor k = a.append(0, filled(1, 1, 0), filled(1, 1, 0))[0];
                assertThat(k.select(0, 0).select(0, 0).select(0, 0).select(0, 0).item()).isEqualTo(103.0); // b's second position is first now
            }
        }
    }
}
