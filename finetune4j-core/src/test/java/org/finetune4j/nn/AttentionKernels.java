package org.finetune4j.nn;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.tensor.Autocast;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.F;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.finetune4j.train.Memory;

/**
 * Times the two attention kernels (not a unit test: run by scripts/attention-kernels.sh): the eager
 * path of {@link Attention} and libtorch's scaled_dot_product_attention, forward and backward with
 * dropout 0.1 as in training, per dtype (float32, bfloat16 autocast) and shape, interleaved; prints
 * the median wall and CPU milliseconds of each, and the ratio fused / eager.
 */
public final class AttentionKernels {

    /** A shape: batch, query heads, key/value heads, query length, key length, head size, causal, training; runs per sample. */
    record Shape(String name, int b, int h, int hkv, int t, int s, int d, boolean causal, boolean train, int runs) {}

    private AttentionKernels() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        List<Shape> shapes = List.of(
                new Shape("bert-base 8x128", 8, 12, 12, 128, 128, 64, false, true, 4),
                new Shape("bert-tiny 32x128", 32, 2, 2, 128, 128, 64, false, true, 8),
                new Shape("gpt2-small 4x128", 4, 12, 12, 128, 128, 64, true, true, 16),
                new Shape("llama-1b GQA 1x512", 1, 32, 8, 512, 512, 64, true, true, 1),
                new Shape("bert-base 8x128 eval", 8, 12, 12, 128, 128, 64, false, false, 8),
                new Shape("gpt2 prompt 4x128 eval", 4, 12, 12, 128, 128, 64, true, false, 16),
                new Shape("decode 4 rows, 256 past", 4, 12, 12, 1, 257, 64, true, false, 100));
        System.out.printf("%-26s %-9s %20s %20s %7s%n", "shape", "dtype", "eager ms wall/cpu", "fused ms wall/cpu", "ratio");
        for (Shape s : shapes) {
            for (DType cast : new DType[] {null, DType.BF16}) {
                List<double[]> eager = new ArrayList<>();
                List<double[]> fused = new ArrayList<>();
                for (int r = 0; r < reps; r++) {
                    eager.add(time(s, cast, false));
                    fused.add(time(s, cast, true));
                }
                double[] e = median(eager);
                double[] f = median(fused);
                System.out.printf("%-26s %-9s %11.2f / %6.2f %11.2f / %6.2f %7.2f%n", s.name(), cast == null ? "float32" : "bfloat16",
                        e[0], e[1], f[0], f[1], f[0] / e[0]);
            }
        }
    }

    /** {wall ms, CPU ms} per forward (and backward in training), over {@code s.runs()} of them after as many warm-ups. */
    private static double[] time(Shape s, DType cast, boolean fused) {
        try (Scope scope = Scope.open(); Autograd.Guard grad = s.train() ? Autograd.enableGrad() : Autograd.noGrad()) {
            Torch.manualSeed(1);
            Tensor q = Torch.randn(s.b(), s.h(), s.t(), s.d()).requiresGrad_(s.train());
            Tensor k = Torch.randn(s.b(), s.hkv(), s.s(), s.d()).requiresGrad_(s.train());
            Tensor v = Torch.randn(s.b(), s.hkv(), s.s(), s.d()).requiresGrad_(s.train());
            Tensor mask = Attention.maskBias(Torch.ones(DType.I64, s.b(), s.s()), s.t(), s.causal());
            Forward f = s.train() ? Forward.train() : Forward.eval();
            double[] out = new double[2];
            for (int phase = 0; phase < 2; phase++) {
                long t0 = System.nanoTime();
                double c0 = Memory.cpuSeconds();
                for (int i = 0; i < s.runs(); i++) {
                    try (Scope step = Scope.open()) {
                        Tensor y;
                        try (Autograd.Guard ac = Autocast.of(cast)) {
                            Tensor qq = cast == null ? q : q.to(cast);
                            Tensor kk = cast == null ? k : k.to(cast);
                            Tensor vv = cast == null ? v : v.to(cast);
                            double p = s.train() ? 0.1 : 0;
                            y = fused ? F.sdpa(qq, kk, vv, mask, p, 1 / Math.sqrt(s.d()))
                                    : Attention.eager(qq, kk, vv, mask, 1 / Math.sqrt(s.d()), p, f);
                        }
                        if (s.train()) {
                            y.to(DType.F32).square().sum().backward();
                        }
                    }
                }
                out = new double[] {(System.nanoTime() - t0) / 1e6 / s.runs(), (Memory.cpuSeconds() - c0) * 1e3 / s.runs()};
            }
            return out;
        }
    }

    private static double[] median(List<double[]> runs) {
        double[] out = new double[2];
        for (int j = 0; j < 2; j++) {
            int col = j;
            List<Double> v = new ArrayList<>(runs.stream().map(r -> r[col]).toList());
            v.sort(null);
            out[j] = v.get(v.size() / 2);
        }
        return out;
    }
}
