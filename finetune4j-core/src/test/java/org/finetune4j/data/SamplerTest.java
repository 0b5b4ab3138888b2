package org.finetune4j.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static int[] flat(List<int[]> batches) {
        return batches.stream().flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void sequentialKeepsFileOrderWithAShortLastBatch() {
        List<int[]> b = Sampler.sequential(7, 3).batches(0);
        assertThat(b).containsExactly(new int[] {0, 1, 2}, new int[] {3, 4, 5}, new int[] {6});
        assertThat(Sampler.sequential(7, 3).batches(5)).containsExactly(b.toArray(int[][]::new));
    }

    @Test
    void shuffledIsAPermutationFreshEachEpochAndDeterministic() {
        Sampler s = Sampler.shuffled(100, 8, 42, false);
        int[] e0 = flat(s.batches(0));
        int[] e1 = flat(s.batches(1));
        assertThat(Arrays.stream(e0).sorted().toArray()).isEqualTo(IntStream.range(0, 100).toArray());
        assertThat(Arrays.stream(e1).sorted().toArray()).isEqualTo(IntStream.range(0, 100).toArray());
        assertThat(e0).isNotEqualTo(e1);
        assertThat(flat(Sampler.shuffled(100, 8, 42, false).batches(0))).isEqualTo(e0);
        assertThat(flat(Sampler.shuffled(100, 8, 43, false).batches(0))).isNotEqualTo(e0);
        assertThat(s.batchesPerEpoch()).isEqualTo(13);
        // the documented rule: Fisher-Yates from new Random(seed * 0x9E3779B97F4A7C15L + epoch)
        assertThat(e1).isEqualTo(Sampler.permutation(100, new Random(42 * 0x9E3779B97F4A7C15L + 1)));
    }

    @Test
    void dropLastDropsTheShortBatch() {
        Sampler s = Sampler.shuffled(10, 4, 1, true);
        assertThat(s.batchesPerEpoch()).isEqualTo(2);
        assertThat(s.batches(0)).hasSize(2).allSatisfy(b -> assertThat(b).hasSize(4));
    }

    @Test
    void resumingMidEpochGivesTheSameRemainingBatches() {
        int[] lengths = new Random(7).ints(300, 1, 60).toArray();
        List<Supplier<Sampler>> kinds = List.of(
                () -> Sampler.shuffled(300, 16, 5, false), () -> Sampler.groupedByLength(lengths, 16, 5, false));
        for (Supplier<Sampler> kind : kinds) {
            Sampler s = kind.get();
            List<int[]> uninterrupted = new ArrayList<>();
            for (int e = 0; e < 3; e++) {
                uninterrupted.addAll(s.batches(e));
            }
            Sampler restarted = kind.get(); // as after a restart from a checkpoint at epoch 1, batch 7
            List<int[]> resumed = new ArrayList<>(uninterrupted.subList(0, s.batchesPerEpoch() + 7));
            resumed.addAll(restarted.batches(1, 7));
            resumed.addAll(restarted.batches(2));
            assertThat(resumed).containsExactlyElementsOf(uninterrupted);
        }
    }

    @Test
    void groupByLengthSortsMegabatchesLongestFirst() {
        int n = 1000;
        int batch = 4;
        int[] lengths = new Random(3).ints(n, 1, 200).toArray();
        Sampler s = Sampler.groupedByLength(lengths, batch, 11, false);
        int[] order = s.order(0);
        assertThat(Arrays.stream(order).sorted().toArray()).isEqualTo(IntStream.range(0, n).toArray());
        // megabatch = min(1000 / (4 * 4), 50) = 50 batches = 200 examples
        int mega = 200;
        int longest = Arrays.stream(lengths).max().orElseThrow();
        assertThat(lengths[order[0]]).isEqualTo(longest);
        int swappedTo = -1;
        for (int start = 0; start < n; start += mega) {
            int[] m = Arrays.copyOfRange(order, start, start + mega);
            int[] rest = Arrays.stream(m, 1, mega).map(i -> lengths[i]).toArray();
            for (int k = 1; k < rest.length; k++) {
                assertThat(rest[k]).isLessThanOrEqualTo(rest[k - 1]);
            }
            if (start > 0 && lengths[m[0]] < lengths[m[1]]) {
                swappedTo = start; // the megabatch that gave its longest to the front got megabatch 0's first
            }
        }
        // the shuffle before sorting is the shuffled sampler's permutation of the same epoch
        int[] shuffled = Sampler.shuffled(n, batch, 11, false).order(0);
        for (int start = 0; start < n; start += mega) {
            int[] a = Arrays.copyOfRange(order, start, start + mega);
            int[] b = Arrays.copyOfRange(shuffled, start, start + mega);
            if (start != 0 && start != swappedTo) {
                Arrays.sort(a);
                Arrays.sort(b);
                assertThat(a).isEqualTo(b);
            }
        }
        assertThat(s.order(0)).isEqualTo(order);
        assertThat(s.order(1)).isNotEqualTo(order);
    }

    @Test
    void groupByLengthOnASmallSetUsesOneBatchPerMegabatch() {
        // 6 / (4 * 2) = 0, so each megabatch is one batch: sorted longest first, then the longest
        // example (9) swapped to the front, which may leave the batch it came from unsorted
        int[] lengths = {5, 1, 9, 3, 7, 2};
        int[] order = Sampler.groupedByLength(lengths, 2, 0, false).order(0);
        assertThat(lengths[order[0]]).isEqualTo(9);
        assertThat(lengths[order[0]]).isGreaterThanOrEqualTo(lengths[order[1]]);
        long unsorted = IntStream.range(1, 3).filter(b -> lengths[order[2 * b]] < lengths[order[2 * b + 1]]).count();
        assertThat(unsorted).isLessThanOrEqualTo(1);
    }

    private static final int BUDGET = 100;

    private static int[] lengths() {
        return new Random(5).ints(500, 1, 40).toArray();
    }

    @Test
    void aTokenBudgetCoversEveryExampleOnceAnEpochWithinTheBudget() {
        int[] lengths = lengths();
        Sampler s = Sampler.tokenBudget(lengths, BUDGET, 9);
        for (int e = 0; e < 3; e++) {
            List<int[]> batches = s.batches(e);
            assertThat(Arrays.stream(flat(batches)).sorted().toArray()).as("epoch %d", e).isEqualTo(IntStream.range(0, 500).toArray());
            assertThat(batches).hasSize(s.batchesPerEpoch())
                    .allSatisfy(b -> assertThat(Arrays.stream(b).map(i -> lengths[i]).sum()).isLessThanOrEqualTo(BUDGET));
            // greedy: a batch closed early would have had no room for the next example of the plan's order
            assertThat(batches.stream().mapToInt(b -> Arrays.stream(b).map(i -> lengths[i]).sum()).average().orElseThrow())
                    .isGreaterThan(BUDGET * 0.75);
        }
    }

    @Test
    void aTokenBudgetShufflesTheSameBatchesEachEpochFromTheSeed() {
        int[] lengths = lengths();
        Sampler s = Sampler.tokenBudget(lengths, BUDGET, 9);
        List<int[]> e0 = s.batches(0);
        List<int[]> e1 = s.batches(1);
        assertThat(e1).hasSameSizeAs(e0).isNotEqualTo(e0);
        assertThat(e1.stream().map(Arrays::toString).sorted().toList()).isEqualTo(e0.stream().map(Arrays::toString).sorted().toList());
        assertThat(Sampler.tokenBudget(lengths, BUDGET, 9).batches(1)).containsExactlyElementsOf(e1);
        assertThat(Sampler.tokenBudget(lengths, BUDGET, 10).batches(0)).isNotEqualTo(e0);
    }

    @Test
    void aTokenBudgetResumesMidEpochOnTheSameBatches() {
        Sampler s = Sampler.tokenBudget(lengths(), BUDGET, 9);
        assertThat(Sampler.tokenBudget(lengths(), BUDGET, 9).batches(1, 7)).containsExactlyElementsOf(s.batches(1).subList(7, s.batchesPerEpoch()));
    }

    @Test
    void aTokenBudgetShardedOverTwoRanksGivesEveryBatchToOneRank() {
        int[] lengths = lengths();
        Sampler whole = Sampler.tokenBudget(lengths, BUDGET, 9);
        int count = whole.batchesPerEpoch();
        List<String> plan = whole.batches(2).stream().map(Arrays::toString).toList();
        List<String> ranks = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Sampler mine = whole.shard(r, 2);
            assertThat(mine.batchesPerEpoch()).isEqualTo((count + 1) / 2);
            mine.batches(2).forEach(b -> ranks.add(Arrays.toString(b)));
        }
        List<String> expected = new ArrayList<>(plan);
        if (count % 2 == 1) {
            expected.add(plan.get(0)); // the epoch's order padded from its start to a multiple of the ranks
        }
        assertThat(ranks).containsExactlyInAnyOrderElementsOf(expected);
        // rank r's k-th batch is the plan's batch ranks * k + r, as one process with gradient accumulation 2 takes them
        assertThat(Arrays.toString(whole.shard(1, 2).batches(2).get(3))).isEqualTo(plan.get(7));
    }

    @Test
    void aTokenBudgetRefusesAnExampleLongerThanItself() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Sampler.tokenBudget(new int[] {3, 12, 5}, 10, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("12 tokens");
    }
}
