package org.finetune4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The facade's rules: scopes, handles that outlive them, autograd through the binding, dtypes, guards, kernels. */
class FacadeTest {

    @Test
    void aScopeFreesWhatItMadeAndKeepHandsATensorToTheEnclosingOne() {
        Tensor kept;
        Tensor freed;
        try (Scope outer = Scope.open()) {
            try (Scope inner = Scope.open()) {
                freed = Torch.ones(DType.F32, 2, 2);
                kept = inner.keep(Torch.ones(DType.F32, 2, 2).mul(3.0));
            }
            assertThat(kept.sum().item()).isEqualTo(12.0);
            assertThatThrownBy(freed::sum).as("a freed handle fails in Java, not in libtorch").isInstanceOf(NullPointerException.class);
        }
        assertThatThrownBy(kept::sum).isInstanceOf(NullPointerException.class);
    }

    @Test
    void persistedTensorsOutliveEveryScopeUntilClosed() {
        Tensor p;
        try (Scope s = Scope.open()) {
            p = Torch.full(2.0, DType.F32, 3).persist();
        }
        assertThat(p.sum().item()).isEqualTo(6.0);
        p.close();
        p.close(); // twice is harmless
        assertThat(p.toString()).isEqualTo("Tensor(freed)");
    }

    /** grad() is a reference into the leaf's autograd data in the binding: the handle must be our own. */
    @Test
    void aGradientOutlivesItsLeafsScope() {
        Tensor g;
        try (Scope outer = Scope.open()) {
            try (Scope inner = Scope.open()) {
                Tensor leaf = Torch.ones(DType.F32, 4).requiresGrad_(true);
                leaf.mul(5.0).sum().backward();
                g = inner.keep(leaf.grad());
            }
            assertThat(g.dtype()).isEqualTo(DType.F32);
            assertThat(g.toFloatArray()).containsExactly(5, 5, 5, 5);
        }
    }

    @Test
    void backwardWithAGradientAndRequiresGradOfComputedTensors() {
        try (Scope s = Scope.open()) {
            Tensor x = Torch.tensor(new float[] {1, 2, 3}).requiresGrad_(true);
            Tensor y = x.mul(x); // [3]
            assertThat(y.requiresGrad()).isTrue();
            assertThat(y.isLeaf()).isFalse();
            y.backward(Torch.tensor(new float[] {1, 0, 2}));
            assertThat(x.grad().toFloatArray()).containsExactly(2, 0, 12);
            x.dropGrad();
            assertThat(x.grad()).isNull();
            try (Autograd.Guard off = Autograd.noGrad()) {
                assertThat(x.mul(2.0).requiresGrad()).isFalse();
            }
            assertThat(Autograd.enabled()).isTrue();
        }
    }

    @Test
    void integerArithmeticKeepsTheDtypeAndNumbersPromoteAsInPyTorch() {
        try (Scope s = Scope.open()) {
            Tensor ids = Torch.tensor(new long[] {1, 2, 3});
            assertThat(ids.add(2).dtype()).isEqualTo(DType.I64);
            assertThat(ids.mul(2).sub(1).toLongArray()).containsExactly(1, 3, 5);
            assertThat(ids.clamp(0, 2).dtype()).isEqualTo(DType.I64);
            assertThat(ids.add(0.5).dtype()).isEqualTo(DType.F32);
        }
    }

    @Test
    void crossEntropyIgnoresMinus100() {
        try (Scope s = Scope.open()) {
            Tensor logits = Torch.tensor(new float[] {2, 0, 0, 3, 1, 1}, 2, 3);
            double onlyFirst = F.crossEntropy(logits, Torch.tensor(new long[] {0, F.IGNORE_INDEX})).item();
            double lse = Math.log(Math.exp(2) + 2);
            assertThat(onlyFirst).isCloseTo(lse - 2, within(1e-6));
            assertThat(F.crossEntropySum(logits, Torch.tensor(new long[] {0, 0})).item())
                    .isCloseTo(lse - 2 + Math.log(Math.exp(3) + 2 * Math.E) - 3, within(1e-5));
        }
    }

    /**
     * A float32 linear large enough for oneDNN (where spinning OpenMP workers hold OpenBLAS to one thread) equals
     * libtorch's own, forward and backward, with any weight strides.
     */
    @Test
    void oneDnnLinearEqualsLibtorchs() {
        boolean sleeping = Gemm.sleepingWorkers;
        Gemm.sleepingWorkers = false;
        try (Scope s = Scope.open()) {
            Torch.manualSeed(4);
            Tensor x0 = Torch.randn(8, 64, 128); // 512 x 128 x 512 multiply-adds: 2^25, the least that runs in oneDNN
            Tensor w0 = Torch.randn(512, 128);
            Tensor b0 = Torch.randn(512);
            for (boolean transposed : new boolean[] {false, true}) {
                float[][] fast = linear(x0, w0, b0, transposed, false);
                float[][] plain = linear(x0, w0, b0, transposed, true);
                for (int i = 0; i < fast.length; i++) {
                    assertThat(maxRelative(fast[i], plain[i])).as("output/gradient %d", i).isLessThan(1e-5);
                }
            }
        } finally {
            Gemm.sleepingWorkers = sleeping;
        }
    }

    /** {y, dx, dw, db} of sum(y * y), y = x W^T + b, with W held [in, out] when {@code transposed}. */
    private static float[][] linear(Tensor x0, Tensor w0, Tensor b0, boolean transposed, boolean plain) {
        Tensor x = x0.clone().requiresGrad_(true);
        Tensor stored = (transposed ? w0.t().contiguous() : w0.clone()).requiresGrad_(true);
        Tensor b = b0.clone().requiresGrad_(true);
        Tensor w = transposed ? stored.t() : stored;
        assertThat(Gemm.oneDnn(x, w, b)).isTrue();
        Tensor y = plain ? x.matmul(w.t()).add(b) : F.linear(x, w, b); // matmul: libtorch's own product
        y.mul(y).sum().backward();
        return new float[][] {y.toFloatArray(), x.grad().toFloatArray(), stored.grad().toFloatArray(), b.grad().toFloatArray()};
    }

    private static double maxRelative(float[] a, float[] b) {
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs(b[i]));
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
        }
        return diff / scale;
    }

    @Test
    void autocastIsScopedAndNarrowsMatmulsOnly() {
        try (Scope s = Scope.open()) {
            Tensor a = Torch.randn(4, 8);
            Tensor w = Torch.randn(8, 8);
            try (Autograd.Guard cast = Autocast.cpu(DType.BF16)) {
                assertThat(Autocast.current()).isEqualTo(DType.BF16);
                assertThat(F.linear(a, w, null).dtype()).isEqualTo(DType.BF16);
                assertThat(a.add(1.0).dtype()).isEqualTo(DType.F32);
                assertThat(F.crossEntropy(F.linear(a, w, null), Torch.tensor(new long[] {0, 1, 2, 3})).dtype()).isEqualTo(DType.F32);
            }
            assertThat(Autocast.current()).isNull();
            assertThat(F.linear(a, w, null).dtype()).isEqualTo(DType.F32);
            assertThatThrownBy(() -> Autocast.cpu(DType.F16)).hasMessageContaining("float16 autocast is not supported on the CPU");
        }
    }
}
