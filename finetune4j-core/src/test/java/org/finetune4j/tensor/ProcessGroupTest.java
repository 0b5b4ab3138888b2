package org.finetune4j.tensor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.finetune4j.Finetune4jException;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Two ranks in one process (a thread each) over 127.0.0.1: sums, broadcast, metadata, refusals. */
class ProcessGroupTest {

    /** Runs {@code body} as ranks 0..size-1 of a fresh group, each on its own thread; returns their results by rank. */
    static <T> List<T> ranks(int size, Function<ProcessGroup, T> body) throws Exception {
        int port = FreePort.find();
        ExecutorService pool = Executors.newFixedThreadPool(size);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    try (ProcessGroup g = ProcessGroup.connect("127.0.0.1", port, rank, size, Duration.ofSeconds(30))
                            .join("127.0.0.1");
                            Scope s = Scope.open()) {
                        return body.apply(g);
                    }
                }));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sumsBroadcastsAndGathers() throws Exception {
        List<float[]> sums = ranks(2, g -> {
            Tensor t = Torch.tensor(new float[] {1 + g.rank(), 10 * (1 + g.rank())});
            g.allReduce(t);
            return t.toFloatArray();
        });
        assertThat(sums.get(0)).containsExactly(3, 30);
        assertThat(sums.get(1)).containsExactly(3, 30);
        List<float[]> shared = ranks(2, g -> {
            Tensor t = Torch.tensor(new float[] {g.rank() == 0 ? 7 : -1});
            g.broadcast(t);
            return t.toFloatArray();
        });
        assertThat(shared.get(1)).containsExactly(7);
        List<List<String>> names = ranks(2, g -> g.allGather("name", "rank" + g.rank()));
        assertThat(names.get(1)).containsExactly("rank0", "rank1");
    }

    @Test
    void aPortInUseIsOneLine() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> ProcessGroup.connect("127.0.0.1", taken.getLocalPort(), 0, 1, Duration.ofSeconds(5)))
                    .isInstanceOf(Finetune4jException.class).hasMessageContaining("is in use").hasMessageNotContaining("\n");
        }
    }
}
