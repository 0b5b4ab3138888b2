package org.finetune4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The order of examples in each epoch, cut into batches of {@code batchSize} (the last one shorter
 * unless {@code dropLast}). Sequential keeps file order (for evaluation). Shuffled draws, for epoch
 * e, a Fisher-Yates permutation from {@code new Random(seed * 0x9E3779B97F4A7C15L + e)}: the same
 * for the same (seed, epoch), fresh each epoch, and independent of earlier epochs, so a run
 * resumed at (epoch, batch) sees exactly the batches the uninterrupted run would have seen.
 * Grouped by length is Transformers' {@code group_by_length}: the shuffled order cut into
 * megabatches of {@code min(n / (4 * batchSize), 50)} (at least 1) batches, each sorted by length
 * descending (stably), then the longest example swapped to the very front.
 * A sampler {@link #shard sharded} over data-parallel ranks is DistributedSampler's: the same
 * order (grouped with the global batch, {@code batchSize} x ranks), repeated from its start up to a
 * multiple of the ranks, of which rank r takes every ranks-th example from r; so the examples of
 * the ranks' k-th batches together are the k-th batch of one process with the global batch.
 *
 * <p>With a token budget ({@link #tokenBudget}, fairseq's {@code --max-tokens}) a batch is as many examples as
 * fit the budget's real tokens. The batches are cut once per run: the examples in the permutation of
 * {@code new Random(seed * 0x9E3779B97F4A7C15L - 1)} (epoch -1's), a batch closed when the next example would
 * pass the budget. Each epoch then shuffles the order of those batches with its own random (epoch e's
 * permutation of the batch indices), as fairseq does. So every epoch has the same number of batches, and
 * the schedule, the epoch of the logs and a resume at (epoch, batch) mean what they mean with batches of a
 * fixed number of examples; batches cut afresh each epoch would vary in count, and a step count would no
 * longer name the same place in the data. Sharded, the epoch's batch order is padded by repeating it from
 * its start to a multiple of the ranks, and rank r takes every ranks-th batch from r.
 */
public final class Sampler {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private enum Mode { SEQUENTIAL, SHUFFLED, GROUPED, TOKEN_BUDGET }

    private final Mode mode;
    private final int n;
    private final int[] lengths;
    private final int batchSize;
    private final long seed;
    private final boolean dropLast;
    private final int rank;
    private final int ranks;
    private final int[][] plan; // TOKEN_BUDGET: the run's batches, before each epoch's shuffle of their order

    private Sampler(Mode mode, int n, int[] lengths, int batchSize, long seed, boolean dropLast) {
        this(mode, n, lengths, batchSize, seed, dropLast, 0, 1);
    }

    private Sampler(Mode mode, int n, int[] lengths, int batchSize, long seed, boolean dropLast, int rank, int ranks) {
        if (n <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException("need examples and a positive batch size, got n=" + n + " batch=" + batchSize);
        }
        this.mode = mode;
        this.n = n;
        this.lengths = lengths;
        this.batchSize = batchSize;
        this.seed = seed;
        this.dropLast = dropLast;
        this.rank = rank;
        this.ranks = ranks;
        this.plan = mode == Mode.TOKEN_BUDGET ? plan(permutation(n, random(-1)), lengths, batchSize) : null;
    }

    /** File order, every example once, the last batch shorter: for evaluation and prediction. */
    public static Sampler sequential(int n, int batchSize) {
        return new Sampler(Mode.SEQUENTIAL, n, null, batchSize, 0, false);
    }

    /** A fresh permutation each epoch. */
    public static Sampler shuffled(int n, int batchSize, long seed, boolean dropLast) {
        return new Sampler(Mode.SHUFFLED, n, null, batchSize, seed, dropLast);
    }

    /** {@code group_by_length}: shuffled, then sorted by {@code lengths} (tokens per example) within megabatches. */
    public static Sampler groupedByLength(int[] lengths, int batchSize, long seed, boolean dropLast) {
        return new Sampler(Mode.GROUPED, lengths.length, lengths.clone(), batchSize, seed, dropLast);
    }

    /**
     * Batches of at most {@code maxTokens} tokens ({@code lengths}: tokens per example, none longer than
     * {@code maxTokens}), cut once and shuffled in their order each epoch.
     */
    public static Sampler tokenBudget(int[] lengths, int maxTokens, long seed) {
        int longest = Arrays.stream(lengths).max().orElse(0);
        if (longest > maxTokens) {
            throw new IllegalArgumentException("an example of " + longest + " tokens exceeds the budget of " + maxTokens);
        }
        return new Sampler(Mode.TOKEN_BUDGET, lengths.length, lengths.clone(), maxTokens, seed, false);
    }

    /** This sampler as rank {@code rank} of {@code ranks} sees it; {@code batchSize} stays the batch of one rank. */
    public Sampler shard(int rank, int ranks) {
        if (ranks < 1 || rank < 0 || rank >= ranks) {
            throw new IllegalArgumentException("rank " + rank + " of " + ranks);
        }
        return new Sampler(mode, n, lengths, batchSize, seed, dropLast, rank, ranks);
    }

    /** Of {@code count} examples (or a token budget's batches), those this rank sees each epoch: ceil(count / ranks). */
    private int perRank(int count) {
        return (count + ranks - 1) / ranks;
    }

    /** Number of batches in each epoch. */
    public int batchesPerEpoch() {
        if (plan != null) {
            return perRank(plan.length);
        }
        int m = perRank(n);
        return dropLast ? m / batchSize : (m + batchSize - 1) / batchSize;
    }

    /** The token budget's batches of the whole run in their order of {@code epoch}, before sharding. */
    public List<int[]> plan(int epoch) {
        if (plan == null) {
            throw new IllegalStateException("only a token budget has a plan");
        }
        return Arrays.stream(permutation(plan.length, random(epoch))).mapToObj(b -> plan[b]).toList();
    }

    /** The batches of {@code epoch} (0-based), as example indices. */
    public List<int[]> batches(int epoch) {
        return batches(epoch, 0);
    }

    /** The batches of {@code epoch} from batch {@code from} on: what a run resumed there still has to see. */
    public List<int[]> batches(int epoch, int from) {
        int count = batchesPerEpoch();
        if (from < 0 || from > count) {
            throw new IllegalArgumentException("batch " + from + " of an epoch with " + count + " batches");
        }
        if (plan != null) {
            List<int[]> all = plan(epoch);
            return Arrays.stream(mine(identity(all.size())), from, count).mapToObj(all::get).toList();
        }
        int[] order = mine(order(epoch));
        List<int[]> out = new ArrayList<>(count - from);
        for (int b = from; b < count; b++) {
            out.add(Arrays.copyOfRange(order, b * batchSize, Math.min(order.length, (b + 1) * batchSize)));
        }
        return out;
    }

    /** This rank's items of {@code order}: padded by repeating it from the start, then every ranks-th from rank. */
    private int[] mine(int[] order) {
        if (ranks == 1) {
            return order;
        }
        int[] out = new int[perRank(order.length)];
        for (int i = 0; i < out.length; i++) {
            out[i] = order[(rank + i * ranks) % order.length];
        }
        return out;
    }

    /** Every example index once, in the order of {@code epoch}. */
    public int[] order(int epoch) {
        return switch (mode) {
            case SEQUENTIAL -> identity(n);
            case SHUFFLED -> permutation(n, random(epoch));
            case GROUPED -> groupByLength(permutation(n, random(epoch)));
            case TOKEN_BUDGET -> plan(epoch).stream().flatMapToInt(Arrays::stream).toArray();
        };
    }

    /** {@code order} cut greedily into batches of at most {@code maxTokens} tokens. */
    private static int[][] plan(int[] order, int[] lengths, int maxTokens) {
        List<int[]> batches = new ArrayList<>();
        int start = 0;
        int tokens = 0;
        for (int i = 0; i < order.length; i++) {
            if (i > start && tokens + lengths[order[i]] > maxTokens) {
                batches.add(Arrays.copyOfRange(order, start, i));
                start = i;
                tokens = 0;
            }
            tokens += lengths[order[i]];
        }
        batches.add(Arrays.copyOfRange(order, start, order.length));
        return batches.toArray(int[][]::new);
    }

    private Random random(int epoch) {
        return new Random(seed * GOLDEN + epoch);
    }

    /** Sorts megabatches of the permuted {@code order} by length, longest first; the longest example goes first. */
    private int[] groupByLength(int[] order) {
        int global = batchSize * ranks;
        int mega = Math.max(1, Math.min(n / (global * 4), 50)) * global;
        List<Integer> all = new ArrayList<>(n);
        int best = 0; // start of the megabatch led by the longest example; the first one wins ties
        for (int start = 0; start < n; start += mega) {
            List<Integer> chunk = new ArrayList<>(mega);
            for (int i = start; i < Math.min(n, start + mega); i++) {
                chunk.add(order[i]);
            }
            chunk.sort((a, b) -> Integer.compare(lengths[b], lengths[a])); // List.sort is stable
            all.addAll(chunk);
            if (lengths[all.get(start)] > lengths[all.get(best)]) {
                best = start;
            }
        }
        Collections.swap(all, 0, best);
        return all.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A Fisher-Yates permutation of 0..n-1: for i from n-1 down to 1, swap i with {@code rnd.nextInt(i + 1)}. */
    public static int[] permutation(int n, Random rnd) {
        int[] p = identity(n);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }
}
