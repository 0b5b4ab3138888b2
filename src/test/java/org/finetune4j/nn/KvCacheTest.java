package org.finetune4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** The KV cache's rows and positions, and who owns what attention computes from it. */
class KvCacheTest {

    private static NDArray filled(NDManager m, long rows, long t, float first) {
        float[] data = new float[(int) (rows * 2 * t * 3)];
        for (int i = 0; i < data.length; i++) {
            data[i] = first + i;
        }
        return m.create(data, new Shape(rows, 2, t, 3)); // [B, Hkv, T, D]
    }

    @Test
    void whatAStepComputesFromTheCacheBelongsToTheStep() {
        try (NDManager base = NDManager.newBaseManager(); KvCache cache = new KvCache(base)) {
            for (int step = 0; step < 3; step++) {
                try (NDManager scope = base.newSubManager()) {
                    NDArray[] kv = cache.append(0, filled(scope, 1, 1, step), filled(scope, 1, 1, -step));
                    NDArray derived = kv[0].transpose(0, 1, 3, 2); // as attention's k^T
                    assertThat(kv[0].getManager()).isSameAs(scope);
                    assertThat(derived.getManager()).isSameAs(scope);
                }
            }
            assertThat(cache.length()).isEqualTo(3);
        }
    }

    @Test
    void rowsJoinPadAndLeave() {
        try (NDManager base = NDManager.newBaseManager(); KvCache a = new KvCache(base); KvCache b = new KvCache(base)) {
            try (NDManager scope = base.newSubManager()) {
                a.append(0, filled(scope, 2, 2, 0), filled(scope, 2, 2, 0));
                b.append(0, filled(scope, 1, 4, 100), filled(scope, 1, 4, 100));
            }
            a.padLeft(2);
            assertThat(a.length()).isEqualTo(4);
            a.join(b);
            assertThat(a.rows()).isEqualTo(3);
            try (NDManager scope = base.newSubManager()) {
                NDArray k = a.append(0, filled(scope, 3, 1, 0), filled(scope, 3, 1, 0))[0];
                assertThat(k.getShape()).isEqualTo(new Shape(3, 2, 5, 3));
                assertThat(k.get("0, 0, 0:2, :").toFloatArray()).containsOnly(0f); // the padding
                assertThat(k.get("2, 0, 0, 0").getFloat()).isEqualTo(100f);      // b's row, unpadded
            }
            a.select(new long[] {2}, 1);
            assertThat(a.rows()).isEqualTo(1);
            assertThat(a.length()).isEqualTo(4);
            try (NDManager scope = base.newSubManager()) {
                NDArray k = a.append(0, filled(scope, 1, 1, 0), filled(scope, 1, 1, 0))[0];
                assertThat(k.get("0, 0, 0, 0").getFloat()).isEqualTo(103f); // b's second position is first now
            }
        }
    }
}
