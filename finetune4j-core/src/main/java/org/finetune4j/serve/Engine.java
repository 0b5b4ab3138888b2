package org.finetune4j.serve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.finetune4j.generate.Decoder;
import org.finetune4j.tensor.Autocast;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;

/**
 * The one thread that runs the models (continuous batching). Requests wait in a bounded queue
 * (full: the caller answers 429). Between decoding steps the loop admits queued requests while
 * their choices fit {@code maxRows} (each choice is a row): their prompts run once and join their
 * model's running batch ({@link Decoder#join}); then every model with rows decodes one step for all
 * of them. Rows that end (EOS, a stop string, max_tokens) or whose client went away leave the
 * batch before the next step. Classifications run between steps. No tensors here: only the
 * thread's autograd and autocast state.
 */
final class Engine implements AutoCloseable {

    /** What the loop is doing, for /health. */
    record Stats(int running, int queued, long completed, long cancelled) {}

    private final Models models;
    private final int maxRows;
    private final DType autocast;
    private final BlockingQueue<Job> queue;
    private final Map<Served.Lm, Lane> lanes = new IdentityHashMap<>();
    private final Thread thread;
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private volatile int running;
    private volatile boolean stopping;

    /** A model's running batch: its decoder and one row per choice, in the decoder's row order. */
    private static final class Lane {
        Decoder decoder;
        final List<Row> rows = new ArrayList<>();
    }

    /** One choice decoding: the ids it has seen (prompt, then generated) and the token to feed next. */
    private static final class Row {
        final Job.Generation g;
        final int choice;
        final int promptLength;
        long[] seen;
        boolean done;

        Row(Job.Generation g, int choice) {
            this.g = g;
            this.choice = choice;
            this.seen = g.prompts.get(choice);
            this.promptLength = seen.length;
        }

        int generated() {
            return seen.length - promptLength;
        }
    }

    /** An engine thread for {@code models}, running them under autocast to {@code autocast} (null: float32). */
    Engine(Models models, int maxRows, int maxQueued, DType autocast) {
        this.models = models;
        this.maxRows = maxRows;
        this.autocast = autocast;
        this.queue = new ArrayBlockingQueue<>(maxQueued);
        this.thread = new Thread(this::loop, "finetune4j-engine");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a job; false when the queue is full or the engine is stopping. */
    boolean submit(Job job) {
        return !stopping && queue.offer(job);
    }

    /** The most rows that decode at once (a request's choices must fit). */
    int maxRows() {
        return maxRows;
    }

    Stats stats() {
        return new Stats(running, queue.size(), completed.get(), cancelled.get());
    }

    private void loop() {
        // this thread only runs inference: no autograd, and the precision asked, for its lifetime
        try (Autograd.Guard off = Autograd.noGrad(); Autograd.Guard cast = Autocast.of(autocast)) {
            while (!(stopping && queue.isEmpty() && running == 0)) {
                Job first = null;
                if (running == 0) {
                    try {
                        first = queue.poll(100, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (first == null) {
                        continue;
                    }
                }
                admit(first);
                for (Map.Entry<Served.Lm, Lane> e : lanes.entrySet()) {
                    if (!e.getValue().rows.isEmpty()) {
                        guarded(e.getValue(), List.of(), () -> step(e.getKey(), e.getValue()));
                    }
                }
                running = lanes.values().stream().mapToInt(l -> l.rows.size()).sum();
            }
        }
    }

    /**
     * Starts {@code first} (already taken from the queue, or null) and the queued jobs after it while
     * their choices fit (first come, first served). The generations for one model join its batch
     * together: their prompts run as one batch.
     */
    private void admit(Job first) {
        List<Job> taken = new ArrayList<>();
        int rows = running;
        for (Job j = first != null ? first : queue.peek(); j != null; j = queue.peek()) {
            if (j != first && j instanceof Job.Generation g && !g.cancelled() && rows + g.prompts.size() > maxRows) {
                break;
            }
            taken.add(j == first ? j : queue.poll());
            rows += j instanceof Job.Generation g && !g.cancelled() ? g.prompts.size() : 0;
        }
        Map<Served.Lm, List<Job.Generation>> joining = new IdentityHashMap<>();
        for (Job j : taken) {
            if (j instanceof Job.Classification c) {
                classify(c);
            } else if (j instanceof Job.Generation g && g.cancelled()) {
                cancelled.incrementAndGet();
            } else if (j instanceof Job.Generation g) {
                joining.computeIfAbsent(g.model, m -> new ArrayList<>()).add(g);
            }
        }
        joining.forEach((model, gs) -> {
            Lane lane = lanes.computeIfAbsent(model, m -> new Lane());
            guarded(lane, gs, () -> join(gs, lane));
        });
        running = lanes.values().stream().mapToInt(l -> l.rows.size()).sum();
    }

    private void classify(Job.Classification c) {
        try {
            c.result().complete(models.classify(c.model(), c.texts()));
        } catch (RuntimeException e) {
            c.result().completeExceptionally(e);
        }
    }

    /** The requests' prompts run as one batch and join the model's batch; each choice gets its first token. */
    private void join(List<Job.Generation> gs, Lane lane) {
        if (lane.decoder == null) {
            lane.decoder = gs.get(0).model.lm().decoder();
        }
        List<long[]> prompts = new ArrayList<>();
        gs.forEach(g -> prompts.addAll(g.prompts));
        float[][] logits = lane.decoder.join(prompts);
        int i = 0;
        for (Job.Generation g : gs) {
            for (int c = 0; c < g.prompts.size(); c++) {
                Row r = new Row(g, c);
                lane.rows.add(r);
                choose(g.model, r, logits[i++]);
            }
        }
        retire(lane);
    }

    /** One decoding step for every row of a model: each feeds its last token and gets the next. */
    private void step(Served.Lm model, Lane lane) {
        retire(lane);
        if (lane.rows.isEmpty()) {
            return;
        }
        long[] next = lane.rows.stream().mapToLong(r -> r.seen[r.seen.length - 1]).toArray();
        float[][] logits = lane.decoder.step(next);
        for (int i = 0; i < logits.length; i++) {
            choose(model, lane.rows.get(i), logits[i]);
        }
        retire(lane);
    }

    /** The row's next token: logit bias, the sampler (penalties, warpers, draw), then the stop rules. */
    private void choose(Served.Lm model, Row r, float[] logits) {
        Job.Generation g = r.g;
        if (g.cancelled()) {
            r.done = true;
            return;
        }
        float[] work = g.logprobs >= 0 ? logits.clone() : logits;
        g.logitBias.forEach((id, bias) -> {
            if (id < work.length) {
                work[id] += bias;
            }
        });
        long id = g.sampling.next(work, r.seen, r.promptLength, g.rng);
        r.seen = Arrays.copyOf(r.seen, r.seen.length + 1);
        r.seen[r.seen.length - 1] = id;
        Job.TokenLogprobs lp = g.logprobs >= 0 ? Job.TokenLogprobs.of(logits, id, g.logprobs) : null;
        boolean more = g.listener.token(r.choice, id, lp);
        if (!more || model.lm().isEos(id)) {
            finish(r, "stop");
        } else if (r.generated() >= g.maxTokens) {
            finish(r, "length");
        }
    }

    private void finish(Row r, String reason) {
        r.done = true;
        if (!r.g.cancelled()) {
            r.g.listener.finished(r.choice, reason);
        }
    }

    /** Rows that are done or cancelled leave the batch. */
    private void retire(Lane lane) {
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < lane.rows.size(); i++) {
            Row r = lane.rows.get(i);
            if (!r.done && r.g.cancelled()) {
                r.done = true;
            }
            if (!r.done) {
                keep.add(i);
            } else if (r.choice == 0) {
                (r.g.cancelled() ? cancelled : completed).incrementAndGet();
            }
        }
        if (keep.size() == lane.rows.size()) {
            return;
        }
        List<Row> kept = keep.stream().map(lane.rows::get).toList();
        lane.rows.clear();
        lane.rows.addAll(kept);
        if (kept.isEmpty()) {
            lane.decoder.close();
            lane.decoder = null;
        } else {
            lane.decoder.keep(keep.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    /** Runs {@code work}; when it fails, every request of the lane (and those {@code joining}) fails and the lane starts afresh. */
    private void guarded(Lane lane, List<Job.Generation> joining, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            List<Job.Generation> failed = new ArrayList<>(lane.rows.stream().map(r -> r.g).distinct().toList());
            joining.stream().filter(g -> !failed.contains(g)).forEach(failed::add);
            lane.rows.clear();
            if (lane.decoder != null) {
                lane.decoder.close();
                lane.decoder = null;
            }
            failed.forEach(g -> g.listener.failed(e));
        }
    }

    /** Stops taking jobs, finishes those queued and running, and ends the thread (waits up to {@code millis}). */
    void stop(long millis) {
        stopping = true;
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(60_000);
        thread.interrupt();
    }
}
