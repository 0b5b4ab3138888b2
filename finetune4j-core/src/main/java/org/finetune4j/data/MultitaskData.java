package org.finetune4j.data;

import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Several tasks' training data as one {@link Dataset}. Every batch comes from one task, drawn from
 * the batch's seed with the mixing probabilities, so the mix is a function of (seed, step) and a
 * resumed run repeats it: {@code concatenate} (probability proportional to a task's size, what a
 * shuffled concatenation gives on average), {@code interleave} (proportional to the weights) or
 * {@code temperature} (proportional to weight x size^(1/T), which flattens the mix as T grows).
 * The rows of a task's batch are the sampler's positions taken modulo the task's size through a
 * fixed permutation of its rows. An epoch is as many rows as all tasks hold together.
 */
public final class MultitaskData implements Dataset {

    /** One task of the mix. */
    public record Member(String name, Dataset data, double weight) {}

    private final List<Member> members;
    private final double[] cumulative;
    private final int[][] perms;
    private final int size;
    private final int[] heads;

    /** Member t's batches name {@code heads[t]}, the member of the multitask model that runs them. */
    public MultitaskData(List<Member> members, String strategy, double temperature, long seed, int[] heads) {
        this.members = List.copyOf(members);
        this.heads = heads.clone();
        double[] p = probabilities(members, strategy, temperature);
        this.cumulative = new double[p.length];
        double c = 0;
        for (int i = 0; i < p.length; i++) {
            c += p[i];
            cumulative[i] = c;
        }
        this.perms = new int[members.size()][];
        int n = 0;
        for (int i = 0; i < members.size(); i++) {
            perms[i] = Sampler.permutation(members.get(i).data().size(), new Random(seed + 7919L * i));
            n += members.get(i).data().size();
        }
        this.size = n;
    }

    /** The mixing probabilities of the strategy, summing to 1. */
    public static double[] probabilities(List<Member> members, String strategy, double temperature) {
        double[] p = new double[members.size()];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            Member m = members.get(i);
            int n = m.data().size();
            p[i] = switch (strategy) {
                case "concatenate" -> n;
                case "interleave" -> m.weight();
                case "temperature" -> m.weight() * Math.pow(n, 1.0 / temperature);
                default -> throw new IllegalArgumentException("strategy " + strategy);
            };
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    public List<Member> members() {
        return members;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int[] lengths() {
        return new int[size];
    }

    /** The task of the batch with this seed. */
    public int task(long seed) {
        double u = new SplittableRandom(seed ^ 0x5DEECE66DL).nextDouble();
        for (int i = 0; i < cumulative.length - 1; i++) {
            if (u < cumulative[i]) {
                return i;
            }
        }
        return cumulative.length - 1;
    }

    @Override
    public Batch batch(int[] indices, long padId, long seed) {
        int t = task(seed);
        int[] perm = perms[t];
        int[] rows = new int[indices.length];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = perm[indices[i] % perm.length];
        }
        return members.get(t).data().batch(rows, padId, seed).forMember(heads[t]);
    }
}
