package org.finetune4j.serve;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.finetune4j.generate.Sampling;

/** Work for the engine thread: a generation request's choices, or a batch of texts to classify. */
sealed interface Job permits Job.Generation, Job.Classification {

    /** Hears a generation's tokens on the engine thread; must not block. */
    interface Listener {
        /** Choice {@code choice} produced {@code id}; {@code lp} is null unless log-probabilities were asked for. False ends the choice (a stop string). */
        boolean token(int choice, long id, TokenLogprobs lp);

        /** Choice {@code choice} ended: "stop" (EOS, stop string) or "length" (max_tokens). Not called for a cancelled request. */
        void finished(int choice, String reason);

        /** The request failed inside the engine; no more calls follow. */
        void failed(RuntimeException e);
    }

    /** A token's log-probability under the model and the {@code top} most likely tokens' (ids and log-probabilities). */
    record TokenLogprobs(float logprob, long[] topIds, float[] topLogprobs) {

        /** From one row of raw logits [V]: log-softmax, the chosen id's value and the {@code top} largest. */
        static TokenLogprobs of(float[] logits, long id, int top) {
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) {
                max = Math.max(max, l);
            }
            double sum = 0;
            for (float l : logits) {
                sum += Math.exp(l - max);
            }
            double logZ = max + Math.log(sum);
            Integer[] order = new Integer[logits.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
            int k = Math.min(top, logits.length);
            long[] ids = new long[k];
            float[] lps = new float[k];
            for (int i = 0; i < k; i++) {
                ids[i] = order[i];
                lps[i] = (float) (logits[order[i]] - logZ);
            }
            return new TokenLogprobs((float) (logits[(int) id] - logZ), ids, lps);
        }
    }

    /**
     * One request's choices: each prompt (one per choice) decodes as its own row of {@code model}'s
     * batch. The choices share one seeded generator, drawn in choice order each step, as
     * {@code generate} draws for a batch of prompts. {@code logitBias} is added to the logits first;
     * {@code logprobs} is -1 (none) or how many alternatives to report.
     */
    final class Generation implements Job {
        final Served.Lm model;
        final List<long[]> prompts;
        final Sampling sampling;
        final Random rng;
        final int maxTokens;
        final Map<Integer, Float> logitBias;
        final int logprobs;
        final Listener listener;
        private volatile boolean cancelled;

        Generation(Served.Lm model, List<long[]> prompts, Sampling sampling, long seed, int maxTokens,
                Map<Integer, Float> logitBias, int logprobs, Listener listener) {
            this.model = model;
            this.prompts = List.copyOf(prompts);
            this.sampling = sampling;
            this.rng = new Random(seed);
            this.maxTokens = maxTokens;
            this.logitBias = Map.copyOf(logitBias);
            this.logprobs = logprobs;
            this.listener = listener;
        }

        /** Stops every choice at the next step (the client went away); safe from any thread. */
        void cancel() {
            cancelled = true;
        }

        boolean cancelled() {
            return cancelled;
        }
    }

    /** Texts for a classifier; the result completes on the engine thread. */
    record Classification(Served.Cls model, List<String> texts, CompletableFuture<Models.Scores> result) implements Job {}
}
