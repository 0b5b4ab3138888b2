package org.finetune4j.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.global.torch;
import org.finetune4j.Finetune4jException;

/**
 * Dropout's random numbers for CPU training steps, drawn one step ahead on a thread of their own. libtorch's
 * CPU dropout draws its bernoulli(1 - p) mask one element at a time from the default generator, on the
 * thread that runs the step (about 1.2 ms of a 21 ms packed BERT-tiny step, docs/BENCHMARKS.md); a mask needs
 * nothing of the step but a seed, so while step k runs, the other core draws step k + 1's numbers.
 * {@link F#dropout} then keeps the elements whose number is at least p, times 1 / (1 - p): torch's inverted
 * dropout, with masks from another stream.
 *
 * <p>A step's numbers are the uniform [0, 1) stream of a CPU generator seeded with the step's seed: each
 * dropout of the step takes the next numel of them, however many were drawn ahead, so its masks hang on that
 * seed alone (a resumed run draws the same ones). A stream holds at most {@link #MOST} numbers; a dropout
 * that would take it past them draws from libtorch's generator as before (large models: a BERT-base step of
 * 8 x 128 tokens drops about 38 million elements). A checkpointed layer's recomputation {@link #replay}s
 * the numbers its forward pass took.
 */
public final class DropoutDraws implements AutoCloseable {

    /** The most numbers a step's stream holds: 24 MiB, the largest block a step's temporaries take ({@link Scope}). */
    static final long MOST = Scope.HEAP_BLOCK_BYTES / Float.BYTES;

    private static final ThreadLocal<Stream> CURRENT = new ThreadLocal<>();

    private final ExecutorService drawer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "finetune4j-dropout-draws");
        t.setDaemon(true);
        return t;
    });
    private long ahead; // numbers drawn ahead: the most one step has taken so far, up to MOST (none without dropout)
    private long preparedSeed;
    private Future<Stream> prepared;

    private DropoutDraws() {}

    /** Draws for the training steps of a model on the current device: null on a GPU, where libtorch's fused dropout runs. */
    public static DropoutDraws forCurrentDevice() {
        return Devices.current().kind() == Device.Kind.CPU ? new DropoutDraws() : null;
    }

    /**
     * Makes the stream of {@code seed} this thread's dropout numbers until the returned step closes, and starts
     * drawing {@code nextSeed}'s ahead.
     */
    public Step step(long seed, long nextSeed) {
        Stream s = null;
        if (prepared != null) {
            Stream p = await(prepared);
            if (preparedSeed == seed) {
                s = p;
            } else {
                p.close();
            }
        }
        if (s == null) {
            s = new Stream(seed, 0);
        }
        long n = ahead;
        preparedSeed = nextSeed;
        prepared = drawer.submit(() -> new Stream(nextSeed, n));
        CURRENT.set(s);
        return new Step(s);
    }

    /**
     * The dropout numbers of this thread's current step: the next {@code numel} of its stream; null outside a step
     * or when they would take the stream past {@link #MOST}.
     */
    static Tensor take(long numel) {
        Stream s = CURRENT.get();
        return s == null ? null : s.take(numel);
    }

    /** How many numbers this thread's current step has taken (-1 outside a step): where a {@link #replay} starts. */
    public static long position() {
        Stream s = CURRENT.get();
        return s == null ? -1 : s.cursor;
    }

    /**
     * Takes the current step's numbers again from {@code position} until the returned guard closes, which puts the
     * stream back where it was; nothing happens outside a step or for position -1.
     */
    public static Replay replay(long position) {
        Stream s = CURRENT.get();
        if (s == null || position < 0) {
            return () -> {};
        }
        long resume = s.cursor;
        s.cursor = position;
        return () -> s.cursor = resume;
    }

    /** The end of a {@link #replay}. */
    public interface Replay extends AutoCloseable {
        @Override
        void close();
    }

    private static Stream await(Future<Stream> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Finetune4jException("interrupted while drawing dropout masks", e);
        } catch (ExecutionException e) {
            throw new Finetune4jException("drawing dropout masks failed: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public void close() {
        if (prepared != null) {
            await(prepared).close();
            prepared = null;
        }
        drawer.shutdown();
    }

    /** One step's use of its stream; closing it ends the step. */
    public final class Step implements AutoCloseable {

        private final Stream stream;

        private Step(Stream stream) {
            this.stream = stream;
        }

        @Override
        public void close() {
            CURRENT.remove();
            ahead = Math.min(MOST, Math.max(ahead, stream.drawn));
            stream.close();
        }
    }

    /** A seeded generator, the numbers drawn from it so far (in chunks) and where the next take starts. */
    private static final class Stream {

        private final Generator generator;
        private final List<Tensor> chunks = new ArrayList<>();
        private long drawn;
        long cursor;

        Stream(long seed, long ahead) {
            generator = torch.make_generator_cpu(seed);
            if (ahead > 0) {
                draw(ahead);
            }
        }

        Tensor take(long numel) {
            if (cursor + numel > MOST) {
                return null;
            }
            if (cursor + numel > drawn) {
                draw(cursor + numel - drawn);
            }
            List<Tensor> parts = new ArrayList<>(1);
            long start = 0;
            for (Tensor c : chunks) {
                long from = Math.max(cursor - start, 0);
                long to = Math.min(cursor + numel - start, c.numel());
                if (from < to) {
                    parts.add(c.narrow(0, from, to - from));
                }
                start += c.numel();
            }
            cursor += numel;
            return parts.size() == 1 ? parts.get(0) : Torch.cat(parts, 0);
        }

        private void draw(long n) {
            Tensor u = new Tensor(torch.empty(new long[] {n}, Native.options(DType.F32, Device.CPU),
                    new org.bytedeco.pytorch.MemoryFormatOptional())).persist();
            u.t.uniform_(0, 1, new GeneratorOptional(generator));
            chunks.add(u);
            drawn += n;
        }

        void close() {
            chunks.forEach(Tensor::close);
            generator.close();
        }
    }
}
