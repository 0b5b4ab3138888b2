package org.finetune4j.distributed;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.ProcessGroup;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * The ranks of a data-parallel run as the training loop sees them: this process's rank, how many
 * there are, and the few collectives the loop and the evaluations need. {@link #SINGLE} is a run of
 * one process, where every collective returns its input. Rank 0 is the main rank: it alone writes.
 */
public final class World implements AutoCloseable {

    /** One process, no group. */
    public static final World SINGLE = new World(null, null);

    private final ProcessGroup group;
    private final Health health;

    World(ProcessGroup group, Health health) {
        this.group = group;
        this.health = health;
    }

    public int rank() {
        return group == null ? 0 : group.rank();
    }

    public int size() {
        return group == null ? 1 : group.size();
    }

    /** Rank 0: the one that writes metrics, checkpoints and the final model. */
    public boolean main() {
        return rank() == 0;
    }

    /** The process group (null for {@link #SINGLE}). */
    ProcessGroup group() {
        return group;
    }

    /** This rank's share of {@code items}: every size-th from index rank (the batches of a sharded evaluation). */
    public <T> List<T> shard(List<T> items) {
        List<T> mine = new ArrayList<>();
        for (int i : shard(items.size())) {
            mine.add(items.get(i));
        }
        return mine;
    }

    /** This rank's share of the indices 0..count-1: every size-th from rank. */
    public int[] shard(int count) {
        int[] mine = new int[Math.max(0, (count - rank() + size() - 1) / size())];
        for (int k = 0; k < mine.length; k++) {
            mine[k] = rank() + k * size();
        }
        return mine;
    }

    /** The element-wise sum of every rank's {@code local} (float64; whole numbers below 2^53 stay exact). */
    public double[] sum(double... local) {
        if (group == null) {
            return local.clone();
        }
        return guard(() -> {
            try (Scope s = Scope.open()) {
                Tensor t = Torch.fromBytes(doubles(local), DType.F64, local.length);
                group.allReduce(t);
                java.nio.ByteBuffer b = Torch.bytes(t).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                double[] out = new double[local.length];
                b.asDoubleBuffer().get(out);
                return out;
            }
        });
    }

    /**
     * Rows that each rank filled in part, made whole on every rank: a row is filled by exactly one
     * rank (the others leave it null). Rows are summed, so a missing row stays missing (zero length).
     */
    public float[][] fill(float[][] rows) {
        if (group == null) {
            return rows;
        }
        double[] lengths = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            lengths[i] = rows[i] == null ? 0 : rows[i].length;
        }
        double[] all = sum(lengths);
        long total = 0;
        for (double l : all) {
            total += (long) l;
        }
        float[] flat = new float[(int) total];
        int at = 0;
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] != null) {
                System.arraycopy(rows[i], 0, flat, at, rows[i].length);
            }
            at += (int) all[i];
        }
        float[] summed = guard(() -> {
            try (Scope s = Scope.open()) {
                Tensor t = Torch.tensor(flat);
                group.allReduce(t);
                return t.toFloatArray();
            }
        });
        float[][] out = new float[rows.length][];
        at = 0;
        for (int i = 0; i < rows.length; i++) {
            out[i] = java.util.Arrays.copyOfRange(summed, at, at + (int) all[i]);
            at += (int) all[i];
        }
        return out;
    }

    /** Copies rank 0's values of {@code tensors} (each contiguous) into every rank's. */
    public void broadcast(List<Tensor> tensors) {
        if (group != null) {
            guard(() -> {
                tensors.forEach(group::broadcast);
                return null;
            });
        }
    }

    /** Every rank's {@code value} under {@code key}, by rank (small metadata, through the store). */
    public List<String> gather(String key, String value) {
        return group == null ? List.of(value) : guard(() -> group.allGather(key, value));
    }

    /** Returns when every rank has called it. */
    public void barrier() {
        if (group != null) {
            guard(() -> {
                group.barrier();
                return null;
            });
        }
    }

    /** Runs a collective; when it fails, the error names the rank that stopped, if one did. */
    <T> T guard(java.util.function.Supplier<T> collective) {
        try {
            return collective.get();
        } catch (RuntimeException e) {
            if (e instanceof org.finetune4j.Finetune4jException || health == null) {
                throw e;
            }
            throw health.explain(e);
        }
    }

    private static java.nio.ByteBuffer doubles(double[] v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(v);
        return b;
    }

    @Override
    public void close() {
        if (health != null) {
            health.close();
        }
        if (group != null) {
            group.close();
        }
    }
}
