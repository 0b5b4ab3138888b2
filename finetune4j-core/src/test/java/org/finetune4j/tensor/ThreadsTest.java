package org.finetune4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Training's thread count: one thread for batches whose linear products are all small, unless a count is given;
 * OpenBLAS keeps the configured count while OpenMP's workers sleep.
 */
class ThreadsTest {

    @Test
    void aProbeCountsItsLargestLinearProduct() {
        try (Scope s = Scope.open()) {
            Tensor x = Torch.randn(450, 128);
            Tensor up = Torch.randn(512, 128);
            Tensor down = Torch.randn(128, 512);
            long largest = Gemm.largestSince(() -> F.linear(F.linear(x, up, null), down, null));
            assertThat(largest).isEqualTo(450L * 512 * 128);
            try (Autograd.Guard cast = Autocast.of(DType.BF16)) { // bfloat16 products count alike
                assertThat(Gemm.largestSince(() -> F.linear(x, up, null))).isEqualTo(450L * 512 * 128);
            }
            assertThat(Gemm.largestSince(() -> x.add(1.0))).isZero();
        }
    }

    @Test
    void oneThreadOnlyWhenEveryProductIsSmallAndNoCountWasGiven() {
        assertThat(Threads.fitting(Threads.SMALL_PRODUCT - 1, false, 2)).isEqualTo(1);
        assertThat(Threads.fitting(Threads.SMALL_PRODUCT, false, 2)).isEqualTo(2);
        assertThat(Threads.fitting(Long.MAX_VALUE, false, 4)).isEqualTo(4);
        assertThat(Threads.fitting(0, true, 2)).isEqualTo(2); // --threads or FINETUNE4J_THREADS: as given
    }

    @Test
    void fitToLeavesAGivenCountAlone() { // the tests run with FINETUNE4J_THREADS=2
        int before = Threads.get();
        assertThat(Threads.fitTo(() -> { })).isEqualTo(Threads.configuredCount());
        Threads.reset();
        assertThat(Threads.get()).isEqualTo(before);
    }

    @Test
    void openBlasTakesTheConfiguredThreadsOnlyWhileOpenMpWorkersSleep() { // the tests run with OMP_WAIT_POLICY=PASSIVE
        assertThat(Gemm.sleepingWorkers).isTrue();
        boolean sleeping = Gemm.sleepingWorkers;
        try (Scope s = Scope.open()) {
            Tensor x = Torch.randn(512, 128);
            Tensor w = Torch.randn(512, 128); // 2^25 multiply-adds: oneDNN's from where OpenBLAS has one thread
            Threads.apply(1); // training's narrowing leaves OpenBLAS the configured count (the tests': 2)
            assertThat(Threads.get()).isEqualTo(1);
            assertThat(org.bytedeco.openblas.presets.openblas.blas_get_num_threads()).isEqualTo(2);
            assertThat(Gemm.oneDnn(x, w, null)).isFalse();
            Gemm.sleepingWorkers = false; // spinning workers: OpenBLAS on the calling thread, large products in oneDNN
            Threads.apply(2);
            assertThat(org.bytedeco.openblas.presets.openblas.blas_get_num_threads()).isEqualTo(1);
            assertThat(Gemm.oneDnn(x, w, null)).isTrue();
        } finally {
            Gemm.sleepingWorkers = sleeping;
            Threads.reset();
        }
    }
}
