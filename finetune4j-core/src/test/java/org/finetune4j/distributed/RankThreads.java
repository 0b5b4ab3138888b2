package org.finetune4j.distributed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.finetune4j.tensor.FreePort;

/** The ranks of a group as threads of this JVM, for tests: each joins a fresh group on 127.0.0.1 (one rank: no group). */
public final class RankThreads {

    private RankThreads() {}

    /** What one rank runs. */
    public interface Body<T> {
        T run(World world) throws Exception;
    }

    /** The results of {@code body} run as ranks 0..n-1, by rank. */
    public static <T> List<T> run(int n, Body<T> body) throws Exception {
        int port = FreePort.find();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<T>> ranks = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                DistributedConfig c = new DistributedConfig(1, "127.0.0.1", port, r, n, Duration.ofSeconds(60),
                        DistributedConfig.DEFAULT_BUCKET_BYTES, 0, 0.7, 0.9);
                ranks.add(pool.submit(() -> {
                    try (World w = n == 1 ? World.SINGLE : Rendezvous.join(c, "one recipe")) {
                        return body.run(w);
                    }
                }));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : ranks) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
