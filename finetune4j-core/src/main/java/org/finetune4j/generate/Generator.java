package org.finetune4j.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
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
 * Autoregressive decoding of a batch of prompts, left-padded as Transformers' generate does:
 * positions count real tokens only (cumsum(mask) - 1, pads at 1) and pads are masked. With the
 * KV cache the prompt runs once and every later step feeds one token per row; without it every
 * step runs the whole sequence (the reference the cache is tested against). A row stops at an
 * EOS id or when its decoded text contains a stop string, and is padded while the others go on.
 */
public final class Generator {

    /** What to generate: {@code seed} drives the sampler; {@code eos} may be empty; {@code stopStrings} need a decoder. */
    public record Settings(int maxNewTokens, Sampling sampling, long seed, long[] eos, List<String> stopStrings, boolean useCache) {
        public Settings {
            if (maxNewTokens < 0) {
                throw new IllegalArgumentException("max new tokens must be 0 or more, not " + maxNewTokens);
            }
            eos = eos.clone();
            stopStrings = List.copyOf(stopStrings);
        }
    }

    /** Sees every step: the raw last-position logits [B][V] and the ids chosen (pads for finished rows). */
    public interface Listener {
        void step(int step, float[][] logits, long[] next);
    }

    private Generator() {}

    /**
     * The new ids of each prompt (without the prompt; a finished row ends with its EOS id or the
     * token that completed a stop string). {@code decode} turns a row's new ids into text (may be
     * null when there are no stop strings); {@code listener} may be null.
     */
    public static List<long[]> generate(TransformerModel model, List<long[]> prompts, long padId, Settings s,
            Function<long[], String> decode, Listener listener) {
        if (model.head != Head.CAUSAL_LM) {
            throw new IllegalArgumentException("generation needs a causal LM head, not " + model.head);
        }
        if (prompts.isEmpty() || prompts.stream().anyMatch(p -> p.length == 0)) {
            throw new IllegalArgumentException("every prompt needs at least one token");
        }
        if (!s.stopStrings().isEmpty() && decode == null) {
            throw new IllegalArgumentException("stop strings need a decoder");
        }
        Batch b = new Batch(prompts, padId);
        Random rng = new Random(s.seed());
        try (Autograd.Guard off = Autograd.noGrad(); KvCache cache = s.useCache() ? new KvCache() : null) {
            for (int step = 0; step < s.maxNewTokens() && !b.allDone(); step++) {
                float[][] logits = b.lastLogits(model, cache, step);
                long[] next = new long[b.rows];
                for (int r = 0; r < b.rows; r++) {
                    next[r] = b.done[r] ? padId : s.sampling().next(logits[r].clone(), b.seen(r), rng);
                }
                if (listener != null) {
                    listener.step(step, logits, next);
                }
                b.append(next, s, decode);
            }
        }
        return b.generated();
    }

    /** The growing batch: ids [B, L + n] left-padded, the mask, and which rows are done. */
    private static final class Batch {
        final int rows;
        final long padId;
        final List<long[]> ids = new ArrayList<>(); // each row's full sequence, pads first
        final List<long[]> mask = new ArrayList<>();
        final List<List<Long>> newIds = new ArrayList<>();
        final boolean[] done;
        final int[] promptStart;

        Batch(List<long[]> prompts, long padId) {
            this.rows = prompts.size();
            this.padId = padId;
            this.done = new boolean[rows];
            this.promptStart = new int[rows];
            int len = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
            for (int r = 0; r < rows; r++) {
                long[] p = prompts.get(r);
                long[] row = new long[len];
                long[] m = new long[len];
                promptStart[r] = len - p.length;
                Arrays.fill(row, 0, promptStart[r], padId);
                System.arraycopy(p, 0, row, promptStart[r], p.length);
                Arrays.fill(m, promptStart[r], len, 1);
                ids.add(row);
                mask.add(m);
                newIds.add(new ArrayList<>());
            }
        }

        boolean allDone() {
            for (boolean d : done) {
                if (!d) {
                    return false;
                }
            }
            return true;
        }

        /** The real tokens of row r so far (prompt and new), which the repetition penalty sees. */
        long[] seen(int r) {
            long[] row = ids.get(r);
            return Arrays.copyOfRange(row, promptStart[r], row.length);
        }

        /** One forward: the whole sequence (no cache, or the cache's first step), else the last token. */
        float[][] lastLogits(TransformerModel model, KvCache cache, int step) {
            int len = ids.get(0).length;
            int from = cache != null && step > 0 ? len - 1 : 0;
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
            try (Scope scope = Scope.open()) {
                Inputs inputs = new Inputs(Torch.tensor(in, rows, t), Torch.tensor(m, rows, len),
                        null, Torch.tensor(pos, rows, t), null, null, null, null);
                Forward f = cache != null ? Forward.cached(cache) : Forward.eval();
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

        void append(long[] next, Settings s, Function<long[], String> decode) {
            for (int r = 0; r < rows; r++) {
                long[] row = Arrays.copyOf(ids.get(r), ids.get(r).length + 1);
                row[row.length - 1] = next[r];
                ids.set(r, row);
                long[] m = Arrays.copyOf(mask.get(r), mask.get(r).length + 1);
                m[m.length - 1] = 1; // as Transformers: finished rows keep attending to their pads
                mask.set(r, m);
                if (done[r]) {
                    continue;
                }
                newIds.get(r).add(next[r]);
                done[r] = isEos(next[r], s.eos()) || hitsStop(newIds.get(r), s.stopStrings(), decode);
            }
        }

        List<long[]> generated() {
            return newIds.stream().map(l -> l.stream().mapToLong(Long::longValue).toArray()).toList();
        }

        private static boolean isEos(long id, long[] eos) {
            for (long e : eos) {
                if (e == id) {
                    return true;
                }
            }
            return false;
        }

        private static boolean hitsStop(List<Long> ids, List<String> stops, Function<long[], String> decode) {
            if (stops.isEmpty()) {
                return false;
            }
            String text = decode.apply(ids.stream().mapToLong(Long::longValue).toArray());
            return stops.stream().anyMatch(text::contains);
        }
    }
}
