package org.finetune4j.distributed;

import java.time.Duration;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.ProcessGroup;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * Gloo all-reduce timings between processes (not a test; scripts/allreduce-bench.sh starts the ranks):
 * for each size, the median of 7 sums of that many bytes of float32 in buckets of 25 MB, as the
 * gradient sync sends them. Arguments: rank, world size, port, sizes in MB...
 */
public final class AllReduceBench {

    private AllReduceBench() {}

    public static void main(String[] args) {
        int rank = Integer.parseInt(args[0]);
        int size = Integer.parseInt(args[1]);
        int port = Integer.parseInt(args[2]);
        try (ProcessGroup g = ProcessGroup.connect("127.0.0.1", port, rank, size, Duration.ofSeconds(120)).join("127.0.0.1");
                Scope scope = Scope.open()) {
            for (int i = 3; i < args.length; i++) {
                double mb = Double.parseDouble(args[i]);
                long floats = (long) (mb * (1 << 20) / 4);
                long bucket = DistributedConfig.DEFAULT_BUCKET_BYTES / 4;
                double[] times = new double[7];
                for (int rep = -1; rep < times.length; rep++) { // one warm-up
                    g.barrier();
                    long t0 = System.nanoTime();
                    for (long at = 0; at < floats; at += bucket) {
                        try (Scope s = Scope.open()) {
                            Tensor t = Torch.ones(DType.F32, Math.min(bucket, floats - at));
                            g.allReduce(t);
                        }
                    }
                    if (rep >= 0) {
                        times[rep] = (System.nanoTime() - t0) / 1e9;
                    }
                }
                java.util.Arrays.sort(times);
                double t = times[times.length / 2];
                if (rank == 0) {
                    System.out.printf("%8.1f MB  %8.4f s  %7.2f GB/s algorithm bandwidth  (min %.4f, max %.4f s)%n", mb, t,
                            mb / 1024 / t, times[0], times[times.length - 1]);
                }
            }
        }
    }
}
