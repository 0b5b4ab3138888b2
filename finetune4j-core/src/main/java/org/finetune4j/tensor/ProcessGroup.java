package org.finetune4j.tensor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.finetune4j.Finetune4jException;

/**
 * Processes that sum and share tensors over TCP, as {@code torch.distributed} with the Gloo backend:
 * they meet at a key-value store ({@code TCPStore}) that rank 0 serves at {@code host:port}, then
 * each collective runs over Gloo's own connections between every pair. Every collective waits at
 * most the group's timeout; a peer that died or stopped answering makes it throw. The store also
 * carries small strings ({@link #set}, {@link #get}, {@link #add}) for rendezvous and health.
 * {@link #connect} reaches the store alone; {@link #join} makes the group over it, and the group
 * returned owns the store from then on.
 */
public final class ProcessGroup implements AutoCloseable {

    private final Store store;
    private final ProcessGroupGloo gloo;
    private final int rank;
    private final int size;
    private final Duration timeout;
    private final String where;

    private ProcessGroup(Store store, ProcessGroupGloo gloo, int rank, int size, Duration timeout, String where) {
        this.store = store;
        this.gloo = gloo;
        this.rank = rank;
        this.size = size;
        this.timeout = timeout;
        this.where = where;
    }

    /**
     * Opens (rank 0) or reaches the store at {@code host:port}: a key-value store for rendezvous that
     * waits at most {@code timeout} for a key; {@link #join} then makes the group.
     */
    public static ProcessGroup connect(String host, int port, int rank, int size, Duration timeout) {
        Native.init();
        return new ProcessGroup(store(host, port, rank == 0, timeout), null, rank, size, timeout, host + ":" + port);
    }

    /**
     * The group of every rank that joins through this store; {@code bindAddress} is this process's
     * address the other ranks reach it at. Blocks until every rank has joined or the timeout passed.
     */
    public ProcessGroup join(String bindAddress) {
        try {
            ProcessGroupGloo.Options options = ProcessGroupGloo.Options.create(millis(timeout));
            GlooDeviceVector devices = new GlooDeviceVector();
            devices.push_back(ProcessGroupGloo.createDeviceForHostname(bindAddress));
            options.devices(devices);
            return new ProcessGroup(store, new ProcessGroupGloo(store, rank, size, options), rank, size, timeout, where);
        } catch (RuntimeException e) {
            throw new Finetune4jException("rank " + rank + ": could not join the group of " + size + " at " + where
                    + " within " + timeout.toSeconds() + " s (" + firstLine(e) + ")");
        }
    }

    /** A client of the store at {@code host:port} alone (no group): for a thread that checks on the ranks. */
    public ProcessGroup storeClient() {
        return new ProcessGroup(store.clone(), null, rank, size, timeout, where);
    }

    private static TCPStore store(String host, int port, boolean server, Duration timeout) {
        TCPStoreOptions o = new TCPStoreOptions();
        o.port((short) port);
        o.isServer(server);
        o.waitWorkers(false);
        o.timeout(millis(timeout));
        try {
            return new TCPStore(host, o);
        } catch (RuntimeException e) {
            String m = firstLine(e);
            if (server && (m.contains("in use") || m.contains("EADDRINUSE"))) {
                throw new Finetune4jException("port " + port + " on " + host + " is in use: choose another distributed.master port");
            }
            throw new Finetune4jException((server ? "could not open the rendezvous store at " : "could not reach the rendezvous store at ")
                    + host + ":" + port + " within " + timeout.toSeconds() + " s (" + m + ")");
        }
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    public Duration timeout() {
        return timeout;
    }

    /** HOST:PORT of the store. */
    public String where() {
        return where;
    }

    /** A collective under way; {@link #await} blocks until it is done. */
    public static final class Pending {
        private final Work work;
        private final TensorVector keep;

        private Pending(Work work, TensorVector keep) {
            this.work = work;
            this.keep = keep;
        }

        /** Waits for the collective; throws when it failed or timed out. */
        public void await() {
            work._wait();
            keep.close();
        }
    }

    /** Starts summing {@code t} (contiguous) over all ranks, in place. */
    public Pending allReduceAsync(Tensor t) {
        TensorVector v = new TensorVector(t.t);
        return new Pending(gloo.allreduce(v, new AllreduceOptions()), v);
    }

    /** Sums {@code t} (contiguous) over all ranks, in place. */
    public void allReduce(Tensor t) {
        allReduceAsync(t).await();
    }

    /** Copies rank 0's {@code t} (contiguous) into every rank's {@code t}. */
    public void broadcast(Tensor t) {
        TensorVector v = new TensorVector(t.t);
        new Pending(gloo.broadcast(v, new BroadcastOptions()), v).await(); // the root is rank 0
    }

    /** Returns when every rank has called it. */
    public void barrier() {
        gloo.barrier()._wait();
    }

    /** Sets {@code key} in the store. */
    public void set(String key, String value) {
        store.set(key, value);
    }

    /** The value of {@code key}, waiting for it up to the timeout. */
    public String get(String key) {
        return store.get_to_str(key);
    }

    /** Adds {@code delta} to the counter {@code key} (0 when new); returns the new value. */
    public long add(String key, long delta) {
        return store.add(key, delta);
    }

    /** Every rank's {@code value} under {@code key}, by rank (each rank calls it once per key). */
    public List<String> allGather(String key, String value) {
        set(key + "/" + rank, value);
        List<String> out = new ArrayList<>(size);
        for (int r = 0; r < size; r++) {
            out.add(get(key + "/" + r));
        }
        return out;
    }

    /** Closes the group and this process's end of the store (rank 0's closes the store itself). */
    @Override
    public void close() {
        if (gloo != null) {
            gloo.close();
        }
        store.close();
    }

    private static Milliseconds millis(Duration d) {
        return new Milliseconds(d.toMillis());
    }

    /** The first line of a native error's message, without the source location Gloo puts first. */
    public static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        m = nl < 0 ? m.strip() : m.substring(0, nl).strip();
        return m.replaceFirst("^\\[[^\\]]*\\.(cc|cpp|h):\\d+\\] ", "");
    }
}
