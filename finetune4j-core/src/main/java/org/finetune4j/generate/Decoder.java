package org.finetune4j.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.finetune4j.model.Head;
import org.finetune4j.model.Inputs;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.KvCache;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * Rows of token sequences that decode together, left-padded as Transformers' generate pads:
 * positions count real tokens only (cumsum(mask) - 1, pads at 1) and pads are masked. Rows join
 * (their prompts run once, as a batch of their own, and their keys and values join the cache) and
 * leave between steps; a step feeds one token per row. This is continuous batching: the caller
 * decides which rows run. Without the KV cache every forward runs the whole sequences (the
 * reference the cache is tested against). Logits come back as plain {@code float[row][V]}.
 */
public final class Decoder implements AutoCloseable {

    private final TransformerModel model;
    private final long padId;
    private final KvCache cache; // null: recompute the whole sequences every step
    private final List<long[]> ids = new ArrayList<>(); // each row's sequence, pads first; all rows one length
    private final List<long[]> mask = new ArrayList<>();

    /** An empty batch for {@code model} (a causal LM); pads use {@code padId}; close it to free the cache. */
    public Decoder(TransformerModel model, long padId, boolean useCache) {
        if (model.head != Head.CAUSAL_LM) {
            throw new IllegalArgumentException("generation needs a causal LM head, not " + model.head);
        }
        this.model = model;
        this.padId = padId;
        this.cache = useCache ? new KvCache() : null;
    }

    /** Rows decoding now. */
    public int rows() {
        return ids.size();
    }

    /** Positions every row spans now, padding included. */
    public int length() {
        return ids.isEmpty() ? 0 : ids.get(0).length;
    }

    /**
     * Adds a row for each prompt (after the rows already here), runs the prompts and returns their
     * last-position logits [prompts][V]. The existing rows are not run.
     */
    public float[][] join(List<long[]> prompts) {
        if (prompts.isEmpty() || prompts.stream().anyMatch(p -> p.length == 0)) {
            throw new IllegalArgumentException("every prompt needs at least one token");
        }
        int len = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        List<long[]> newIds = new ArrayList<>();
        List<long[]> newMask = new ArrayList<>();
        for (long[] p : prompts) {
            newIds.add(leftPad(p, len, padId));
            newMask.add(leftPad(ones(p.length), len, 0));
        }
        float[][] logits;
        if (cache == null) {
            logits = forward(newIds, newMask, 0, null);
        } else {
            KvCache fresh = new KvCache();
            try {
                logits = forward(newIds, newMask, 0, fresh);
            } catch (RuntimeException e) {
                fresh.close();
                throw e;
            }
            int common = Math.max(len, length());
            cache.padLeft(common - length());
            fresh.padLeft(common - len);
            cache.join(fresh);
        }
        int common = Math.max(len, length());
        padRows(ids, mask, common);
        padRows(newIds, newMask, common);
        ids.addAll(newIds);
        mask.addAll(newMask);
        return logits;
    }

    /** Appends {@code next[r]} to row r, runs one step and returns every row's next logits [rows][V]. */
    public float[][] step(long[] next) {
        if (next.length != rows()) {
            throw new IllegalArgumentException(next.length + " tokens for " + rows() + " rows");
        }
        for (int r = 0; r < next.length; r++) {
            long[] row = Arrays.copyOf(ids.get(r), ids.get(r).length + 1);
            row[row.length - 1] = next[r];
            ids.set(r, row);
            long[] m = Arrays.copyOf(mask.get(r), mask.get(r).length + 1);
            m[m.length - 1] = 1;
            mask.set(r, m);
        }
        return forward(ids, mask, cache == null ? 0 : length() - 1, cache);
    }

    /** Keeps only rows {@code rows} (indices of the current rows, in the order given); padding all rows share is dropped. */
    public void keep(int[] rows) {
        List<long[]> keptIds = new ArrayList<>();
        List<long[]> keptMask = new ArrayList<>();
        for (int r : rows) {
            keptIds.add(ids.get(r));
            keptMask.add(mask.get(r));
        }
        int drop = keptMask.stream().mapToInt(Decoder::leadingPads).min().orElse(length());
        ids.clear();
        mask.clear();
        for (int i = 0; i < rows.length; i++) {
            ids.add(Arrays.copyOfRange(keptIds.get(i), drop, keptIds.get(i).length));
            mask.add(Arrays.copyOfRange(keptMask.get(i), drop, keptMask.get(i).length));
        }
        if (cache != null && rows.length == 0) {
            cache.clear();
        } else if (cache != null) {
            cache.select(Arrays.stream(rows).mapToLong(r -> r).toArray(), drop);
        }
    }

    /** One forward of columns {@code from..} of the rows (the mask covers all columns); the last position's logits. */
    private float[][] forward(List<long[]> ids, List<long[]> mask, int from, KvCache kv) {
        int rows = ids.size();
        int len = ids.get(0).length;
        int t = len - from;
        long[] in = new long[rows * t];
        long[] m = new long[rows * len];
        long[] pos = new long[rows * t];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(ids.get(r), from, in, r * t, t);
            System.arraycopy(mask.get(r), 0, m, r * len, len);
            long count = 0;
            for (int j = 0; j < len; j++) {
                count += mask.get(r)[j];
                if (j >= from) {
                    pos[r * t + j - from] = mask.get(r)[j] == 0 ? 1 : count - 1;
                }
            }
        }
        try (Scope scope = Scope.open(); Autograd.Guard off = Autograd.noGrad()) {
            Inputs inputs = new Inputs(Torch.tensor(in, rows, t), Torch.tensor(m, rows, len),
                    null, Torch.tensor(pos, rows, t), null, null, null, null);
            Forward f = kv != null ? Forward.cached(kv) : Forward.eval();
            Tensor last = model.forward(inputs, f).logits().select(1, -1); // [B, V]
            float[] flat = last.toFloatArray();
            int v = (int) last.size(1);
            float[][] out = new float[rows][];
            for (int r = 0; r < rows; r++) {
                out[r] = Arrays.copyOfRange(flat, r * v, (r + 1) * v);
            }
            return out;
        }
    }

    /** Left-pads every row of ids (with the pad id) and mask (with 0) to {@code len}. */
    private void padRows(List<long[]> ids, List<long[]> mask, int len) {
        for (int r = 0; r < ids.size(); r++) {
            ids.set(r, leftPad(ids.get(r), len, padId));
            mask.set(r, leftPad(mask.get(r), len, 0));
        }
    }

    private static long[] leftPad(long[] a, int len, long value) {
        if (a.length == len) {
            return a;
        }
        long[] out = new long[len];
        Arrays.fill(out, 0, len - a.length, value);
        System.arraycopy(a, 0, out, len - a.length, a.length);
        return out;
    }

    private static long[] ones(int n) {
        long[] a = new long[n];
        Arrays.fill(a, 1);
        return a;
    }

    private static int leadingPads(long[] mask) {
        int n = 0;
        while (n < mask.length && mask[n] == 0) {
            n++;
        }
        return n;
    }

    @Override
    public void close() {
        if (cache != null) {
            cache.close();
        }
    }
}
