package org.finetune4j.distributed;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.ProcessGroup;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * Sums the gradients of the trained leaves over all ranks after the backward passes of a step, as
 * DDP does: the gradients are copied into flat buckets of about {@code bucketBytes} (one dtype a
 * bucket, in parameter order, the same on every rank), each bucket is summed by one all-reduce
 * (the next bucket is filled while the last one travels), and every gradient becomes a view of its
 * bucket. Each rank's loss was already divided by the labels of the global batch, so the sum is the
 * single-process gradient and no division follows. A leaf that got no gradient on any rank keeps
 * none (AdamW skips it, as in one process); one that got a gradient elsewhere gets zeros here first.
 */
public final class GradientSync {

    private final World world;
    private final long bucketBytes;

    /** Bytes and the time spent in the last {@link #sum} (for the communication measurement). */
    private long lastBytes;
    private double lastSeconds;

    public GradientSync(World world, long bucketBytes) {
        this.world = world;
        this.bucketBytes = bucketBytes;
    }

    /** Sums the gradients of {@code leaves} over all ranks, in place; every rank calls it with the same leaves. */
    public void sum(List<Tensor> leaves) {
        if (world.size() == 1) {
            return;
        }
        long t0 = System.nanoTime();
        try (Scope scope = Scope.open(); Autograd.Guard off = Autograd.noGrad()) {
            double[] used = new double[leaves.size()];
            for (int i = 0; i < used.length; i++) {
                used[i] = leaves.get(i).grad() != null ? 1 : 0;
            }
            used = world.sum(used);
            List<List<Integer>> buckets = plan(leaves, used);
            List<Tensor> flats = new ArrayList<>(buckets.size());
            List<ProcessGroup.Pending> pending = new ArrayList<>(buckets.size());
            long bytes = 0;
            for (List<Integer> bucket : buckets) {
                Tensor flat = flatten(leaves, bucket);
                flats.add(flat);
                bytes += flat.numel() * flat.dtype().size();
                pending.add(world.guard(() -> world.group().allReduceAsync(flat)));
            }
            for (int b = 0; b < buckets.size(); b++) {
                ProcessGroup.Pending p = pending.get(b);
                world.guard(() -> {
                    p.await();
                    return null;
                });
                unflatten(leaves, buckets.get(b), flats.get(b));
            }
            lastBytes = bytes;
        }
        lastSeconds = (System.nanoTime() - t0) / 1e9;
    }

    /** Consecutive used leaves of one dtype, cut where a bucket reaches {@code bucketBytes}. */
    private List<List<Integer>> plan(List<Tensor> leaves, double[] used) {
        List<List<Integer>> out = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        long bytes = 0;
        DType type = null;
        for (int i = 0; i < leaves.size(); i++) {
            if (used[i] == 0) {
                continue;
            }
            Tensor p = leaves.get(i);
            long size = p.numel() * p.dtype().size();
            if (!current.isEmpty() && (p.dtype() != type || bytes + size > bucketBytes)) {
                out.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(i);
            bytes += size;
            type = p.dtype();
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    /** The bucket's gradients end to end (zeros for a leaf without one on this rank). */
    private static Tensor flatten(List<Tensor> leaves, List<Integer> bucket) {
        List<Tensor> parts = new ArrayList<>(bucket.size());
        for (int i : bucket) {
            Tensor p = leaves.get(i);
            Tensor g = p.grad();
            parts.add((g != null ? g : Torch.zeros(p.dtype(), p.shape())).reshape(-1));
        }
        return Torch.cat(parts, 0);
    }

    /** Makes each leaf's gradient its slice of the summed bucket. */
    private static void unflatten(List<Tensor> leaves, List<Integer> bucket, Tensor flat) {
        long at = 0;
        for (int i : bucket) {
            Tensor p = leaves.get(i);
            p.setGrad(flat.narrow(0, at, p.numel()).view(p.shape()));
            at += p.numel();
        }
    }

    /** Bytes each rank contributed to the last sum (the all-reduced buckets). */
    public long lastBytes() {
        return lastBytes;
    }

    /** Seconds the last sum took, buckets filled, summed and unpacked. */
    public double lastSeconds() {
        return lastSeconds;
    }
}
