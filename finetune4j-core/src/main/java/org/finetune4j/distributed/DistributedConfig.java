package org.finetune4j.distributed;

import java.time.Duration;

/**
 * A recipe's {@code distributed:} block. {@code nproc} > 1 starts that many local worker processes
 * that meet at 127.0.0.1 (as torchrun; at the master's port when one is given, else a free one);
 * {@code master} (HOST:PORT), {@code rank} (-1: none) and {@code worldSize} make this process one
 * rank of an explicit group (one command per machine). {@code timeout} bounds
 * the rendezvous and every collective; gradients are summed in buckets of {@code bucketBytes}.
 * {@code innerSteps} > 0 is the low-communication mode (DiLoCo; 0: gradients summed every step): that many local AdamW steps, then
 * the parameter deltas are averaged and an outer Nesterov step ({@code outerLr}, {@code outerMomentum})
 * applied.
 */
public record DistributedConfig(int nproc, String masterHost, int masterPort, int rank, int worldSize, Duration timeout,
        long bucketBytes, int innerSteps, double outerLr, double outerMomentum) {

    /** The default Gloo timeout, in seconds. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 300;

    /** DDP's default bucket size. */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    /** Whether this process is one rank of a group (as opposed to a launcher, or a run of one process). */
    public boolean joins() {
        return rank >= 0;
    }

    /** Whether this process starts local workers instead of training itself. */
    public boolean launches() {
        return !joins() && nproc > 1;
    }

    /** Whether the ranks synchronise parameters every H steps instead of gradients every step. */
    public boolean lowCommunication() {
        return innerSteps > 0;
    }
}
