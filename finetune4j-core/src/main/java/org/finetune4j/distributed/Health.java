package org.finetune4j.distributed;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.tensor.ProcessGroup;

/**
 * Heartbeats through the rendezvous store, so that a failed collective can name the rank that
 * stopped: every rank adds 1 to {@code beat/RANK} each second from a daemon thread; when a
 * collective fails, the counters are read twice a few seconds apart, and a rank whose counter stood
 * still is named. When the store itself no longer answers, rank 0 (which serves it) has stopped.
 */
final class Health implements AutoCloseable {

    static final long BEAT_MILLIS = 1000;
    static final long WINDOW_MILLIS = 4000;

    private final ProcessGroup store;
    private final Thread beat;
    private volatile boolean closed;

    Health(ProcessGroup group) {
        this.store = group.storeClient();
        this.beat = new Thread(this::beat, "finetune4j-heartbeat-" + group.rank());
        beat.setDaemon(true);
        beat.start();
    }

    private void beat() {
        String key = "beat/" + store.rank();
        while (!closed) {
            try {
                synchronized (store) {
                    store.add(key, 1);
                }
                Thread.sleep(BEAT_MILLIS);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                return; // the store is gone: explain() says so
            }
        }
    }

    /** The error for a failed collective: which rank stopped, if one did. */
    Finetune4jException explain(RuntimeException failure) {
        String cause = ProcessGroup.firstLine(failure);
        String self = "rank " + store.rank() + ": ";
        List<Integer> stopped;
        try {
            stopped = stoppedRanks();
        } catch (RuntimeException storeGone) {
            return new Finetune4jException(self + "rank 0 stopped (the rendezvous store it served no longer answers); "
                    + "the run ends. A collective failed with: " + cause);
        }
        if (stopped.isEmpty()) {
            return new Finetune4jException(self + "a collective failed within the timeout of " + store.timeout().toSeconds()
                    + " s and no rank was seen to stop (" + cause + ")");
        }
        return new Finetune4jException(self + (stopped.size() == 1 ? "rank " + stopped.get(0) : "ranks " + stopped)
                + " stopped (no heartbeat for " + WINDOW_MILLIS / 1000 + " s); the run ends. A collective failed with: " + cause);
    }

    private List<Integer> stoppedRanks() {
        long[] before = counters();
        try {
            Thread.sleep(WINDOW_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long[] after = counters();
        List<Integer> out = new ArrayList<>();
        for (int r = 0; r < after.length; r++) {
            if (r != store.rank() && after[r] == before[r]) {
                out.add(r);
            }
        }
        return out;
    }

    private long[] counters() {
        long[] c = new long[store.size()];
        synchronized (store) {
            for (int r = 0; r < c.length; r++) {
                c[r] = store.add("beat/" + r, 0);
            }
        }
        return c;
    }

    @Override
    public void close() {
        closed = true;
        beat.interrupt();
        try {
            beat.join(2 * BEAT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }
}
