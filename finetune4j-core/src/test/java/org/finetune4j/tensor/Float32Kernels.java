package org.finetune4j.tensor;

import java.util.Arrays;
import java.util.List;

/**
 * Times single float32 kernels on the CPU, as scripts/float32-kernels.sh does with torch in Python (not a unit
 * test): a linear layer's forward and backward at [512 x 768] x [768 x 2304] (GPT-2's attention input
 * projection on 4 x 128 tokens) as {@link F#linear} runs it (OpenBLAS on libtorch's threads while OpenMP's
 * workers sleep) and in oneDNN (its path with spinning workers), an attention-shaped batched product
 * (96 x [128 x 64] x [64 x 128], BERT-base's scores on 8 x 128 tokens), and three memory-bound ops on 4M floats:
 * a product, a fill with zeros and dropout's mask. Prints one line of median milliseconds a kernel over
 * {@code reps} runs.
 */
public final class Float32Kernels {

    private Float32Kernels() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Torch.manualSeed(1);
        Tensor x = Torch.randn(512, 768).requiresGrad_(true).persist();
        Tensor w = Torch.randn(2304, 768).requiresGrad_(true).persist();
        Tensor a = Torch.randn(4096, 1024).persist();
        Tensor b = Torch.randn(4096, 1024).persist();
        Tensor q = Torch.randn(96, 128, 64).persist();
        Tensor kT = Torch.randn(96, 64, 128).persist();
        boolean sleeping = Gemm.sleepingWorkers;
        List<Runnable> kernels = List.of(
                () -> backward(F.linear(x, w, null), x, w),
                () -> {
                    Gemm.sleepingWorkers = false; // F.linear's oneDNN path
                    backward(F.linear(x, w, null), x, w);
                    Gemm.sleepingWorkers = sleeping;
                },
                () -> q.matmul(kT),
                () -> a.mul(b),
                () -> Torch.zerosLike(a),
                () -> F.dropout(a, 0.1, true));
        double[] ms = new double[kernels.size()];
        for (int k = 0; k < kernels.size(); k++) {
            ms[k] = median(kernels.get(k), reps);
        }
        System.out.printf("java    linear %.1f ms (oneDNN %.1f)  bmm %.2f ms  mul %.2f ms  zeros %.2f ms  dropout %.2f ms  threads %d%n",
                ms[0], ms[1], ms[2], ms[3], ms[4], ms[5], Threads.get());
    }

    private static void backward(Tensor y, Tensor x, Tensor w) {
        y.sum().backward();
        x.dropGrad();
        w.dropGrad();
    }

    private static double median(Runnable kernel, int reps) {
        double[] t = new double[reps];
        for (int i = -3; i < reps; i++) {
            long t0 = System.nanoTime();
            try (Scope s = Scope.open()) {
                kernel.run();
            }
            if (i >= 0) {
                t[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(t);
        return t[reps / 2];
    }
}
