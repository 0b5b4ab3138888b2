package org.finetune4j.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.finetune4j.model.TransformerModel;

/**
 * Autoregressive decoding of a batch of prompts, left-padded as Transformers' generate does
 * (through a {@link Decoder} whose rows are the prompts from start to end): with the KV cache the
 * prompt runs once and every later step feeds one token per row; without it every step runs the
 * whole sequence (the reference the cache is tested against). A row stops at an EOS id or when
 * its decoded text contains a stop string ({@link Stops}), and is padded while the others go on.
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
        if (prompts.isEmpty() || prompts.stream().anyMatch(p -> p.length == 0)) {
            throw new IllegalArgumentException("every prompt needs at least one token");
        }
        if (!s.stopStrings().isEmpty() && decode == null) {
            throw new IllegalArgumentException("stop strings need a decoder");
        }
        Rows b = new Rows(prompts, new Stops(s.eos(), s.stopStrings()));
        Random rng = new Random(s.seed());
        try (Decoder d = new Decoder(model, padId, s.useCache())) {
            long[] next = null;
            for (int step = 0; step < s.maxNewTokens() && !b.allDone(); step++) {
                float[][] logits = step == 0 ? d.join(prompts) : d.step(next);
                next = new long[b.rows];
                for (int r = 0; r < b.rows; r++) {
                    next[r] = b.done[r] ? padId : s.sampling().next(logits[r].clone(), b.seen(r), rng);
                }
                if (listener != null) {
                    listener.step(step, logits, next);
                }
                b.append(next, decode);
            }
        }
        return b.generated();
    }

    /** Each row's prompt and new ids, and which rows are done (finished rows go on decoding pads, as in Transformers). */
    private static final class Rows {
        final int rows;
        final Stops stops;
        final List<long[]> prompts;
        final List<List<Long>> newIds = new ArrayList<>();
        final boolean[] done;

        Rows(List<long[]> prompts, Stops stops) {
            this.rows = prompts.size();
            this.prompts = prompts;
            this.stops = stops;
            this.done = new boolean[rows];
            for (int r = 0; r < rows; r++) {
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
            long[] p = prompts.get(r);
            long[] out = Arrays.copyOf(p, p.length + newIds.get(r).size());
            for (int i = 0; i < newIds.get(r).size(); i++) {
                out[p.length + i] = newIds.get(r).get(i);
            }
            return out;
        }

        void append(long[] next, Function<long[], String> decode) {
            for (int r = 0; r < rows; r++) {
                if (done[r]) {
                    continue;
                }
                newIds.get(r).add(next[r]);
                done[r] = stops.isEos(next[r])
                        || !stops.strings().isEmpty() && stops.stopAt(decode.apply(ids(newIds.get(r)))) >= 0;
            }
        }

        List<long[]> generated() {
            return newIds.stream().map(Rows::ids).toList();
        }

        private static long[] ids(List<Long> list) {
            return list.stream().mapToLong(Long::longValue).toArray();
        }
    }
}
