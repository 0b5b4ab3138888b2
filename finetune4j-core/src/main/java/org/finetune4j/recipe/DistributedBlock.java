package org.finetune4j.recipe;

import java.time.Duration;
import org.finetune4j.distributed.DistributedConfig;

/**
 * A recipe's {@code distributed:} block: {@code nproc} (local worker processes, default 1),
 * {@code master} (HOST:PORT of rank 0's rendezvous store), {@code rank} and {@code world_size}
 * (this process's place in an explicit group), {@code timeout_seconds} (rendezvous and every
 * collective, default 300), {@code bucket_mb} (gradient buckets, default 25); {@code sync}
 * ({@code every_step}, or {@code every_n_steps}: DiLoCo, with {@code inner_steps}, {@code outer_lr}
 * 0.7 and {@code outer_momentum} 0.9). Null when absent.
 */
final class DistributedBlock {

    private DistributedBlock() {}

    static DistributedConfig read(Node root) {
        if (!root.has("distributed")) {
            return null;
        }
        Node d = root.child("distributed");
        int nproc = d.integer("nproc", 1);
        String master = d.string("master", null);
        int rank = d.integer("rank", -1);
        int world = d.integer("world_size", rank >= 0 ? -1 : nproc);
        int timeout = d.integer("timeout_seconds", DistributedConfig.DEFAULT_TIMEOUT_SECONDS);
        double bucketMb = d.number("bucket_mb", DistributedConfig.DEFAULT_BUCKET_BYTES / (double) (1 << 20));
        boolean everyN = d.choice("sync", "every_step", java.util.List.of("every_step", "every_n_steps")).equals("every_n_steps");
        int inner = d.integer("inner_steps", everyN ? -1 : 0);
        double outerLr = d.number("outer_lr", 0.7);
        double outerMomentum = d.number("outer_momentum", 0.9);
        if (everyN ? inner < 1 : d.has("inner_steps")) {
            throw d.error("inner_steps", everyN ? "is required with sync: every_n_steps (a whole number of at least 1)"
                    : "needs sync: every_n_steps");
        }
        if (outerLr <= 0 || outerMomentum < 0 || outerMomentum >= 1) {
            throw d.error("outer_lr", "outer_lr must be positive and outer_momentum in [0, 1)");
        }
        if (nproc < 1) {
            throw d.error("nproc", "must be at least 1, got " + nproc);
        }
        if (timeout < 1) {
            throw d.error("timeout_seconds", "must be at least 1, got " + timeout);
        }
        if (bucketMb <= 0) {
            throw d.error("bucket_mb", "must be positive, got " + bucketMb);
        }
        String host = null;
        int port = 0;
        if (master != null) {
            int colon = master.lastIndexOf(':');
            port = colon < 0 ? -1 : parsePort(master.substring(colon + 1));
            host = colon < 0 ? "" : master.substring(0, colon);
            if (host.isEmpty() || port < 1 || port > 65535) {
                throw d.error("master", "must be HOST:PORT with a port from 1 to 65535, got '" + master + "'");
            }
        }
        if (rank >= 0) {
            if (master == null || world < 1) {
                throw d.error("rank", "needs distributed.master (HOST:PORT) and distributed.world_size too");
            }
            if (rank >= world) {
                throw d.error("rank", "must be below world_size " + world + ", got " + rank);
            }
        } else if (d.has("world_size") && world != nproc) {
            throw d.error("world_size", "needs distributed.rank (with nproc, world_size is nproc)");
        }
        d.finish();
        return new DistributedConfig(nproc, host, port, rank, Math.max(world, 1), Duration.ofSeconds(timeout),
                (long) (bucketMb * (1 << 20)), everyN ? inner : 0, outerLr, outerMomentum);
    }

    private static int parsePort(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
