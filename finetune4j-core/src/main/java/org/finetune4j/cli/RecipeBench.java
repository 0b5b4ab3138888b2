package org.finetune4j.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.data.Batch;
import org.finetune4j.data.Dataset;
import org.finetune4j.data.Sampler;
import org.finetune4j.recipe.Recipe;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Threads;
import org.finetune4j.train.Memory;
import org.finetune4j.train.RunLock;
import org.finetune4j.train.Runs;
import org.finetune4j.train.Trainer;
import org.finetune4j.train.TrainingArguments;

/**
 * {@code bench --recipe}: the recipe's own job (its data read, tokenized and batched as training does, packed
 * or padded as {@code data.packing} says) trained by the Trainer for warm-up plus timed steps, without
 * evaluation or checkpoints, in a temporary output folder (batches of {@code data.max_tokens_per_batch} tokens
 * when the recipe has one). Reports the median step time, CPU seconds a step, real (non-pad) tokens a second,
 * the share of pad slots in the batches, rows and examples a step, and the time the data pipeline takes to
 * make one step's batches.
 */
final class RecipeBench {

    private RecipeBench() {}

    static ObjectNode run(Path file, List<String> overrides, int warmup, int steps, boolean bf16, PrintStream console)
            throws IOException {
        Path out = Files.createTempDirectory("finetune4j-bench");
        List<String> set = new ArrayList<>(overrides);
        set.addAll(List.of("training.max_steps=" + (warmup + steps), "training.eval_strategy=no", "training.save_strategy=no",
                "training.load_best_model_at_end=false", "training.logging_steps=" + (warmup + steps),
                "training.output_dir=" + out, "training.resume_from_checkpoint=false"));
        if (bf16) {
            set.add("training.bf16=true");
        }
        Recipe r = Recipe.load(file, set);
        long s0 = System.nanoTime();
        List<double[]> marks = new ArrayList<>(); // {wall seconds, CPU seconds} after each step
        int[] threads = {0}; // libtorch threads the steps ran on
        try (Scope scope = Scope.open()) {
            Trainer.Job job = r.job(console);
            double setup = (System.nanoTime() - s0) / 1e9;
            Trainer.Job timed = job.withoutEvaluation();
            marks.add(new double[] {System.nanoTime() / 1e9, Memory.cpuSeconds()});
            try (RunLock lock = Runs.prepare(r.training(), new PrintStream(PrintStream.nullOutputStream()))) {
                new Trainer(timed, new PrintStream(PrintStream.nullOutputStream()))
                        .onStep((step, loss) -> {
                            marks.add(new double[] {System.nanoTime() / 1e9, Memory.cpuSeconds()});
                            if (threads[0] == 0) { // set before the first step, kept to the end
                                threads[0] = Threads.get();
                            }
                        })
                        .train();
            }
            return report(r, job, marks, warmup, setup, threads[0]);
        } finally {
            deleteQuietly(out);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // a temporary folder left behind is harmless
        }
    }

    private static ObjectNode report(Recipe r, Trainer.Job job, List<double[]> marks, int warmup, double setup, int threads) {
        int steps = marks.size() - 1 - warmup;
        double[] times = new double[steps];
        for (int i = 0; i < steps; i++) {
            times[i] = marks.get(warmup + i + 1)[0] - marks.get(warmup + i)[0];
        }
        double wall = marks.get(marks.size() - 1)[0] - marks.get(warmup)[0];
        double cpu = marks.get(marks.size() - 1)[1] - marks.get(warmup)[1];
        Pipeline p = replay(job, warmup, steps);
        java.util.Arrays.sort(times);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("recipe", r.file());
        o.put("packing", r.packing());
        if (job.maxTokensPerBatch() > 0) {
            o.put("max_tokens_per_batch", job.maxTokensPerBatch());
        }
        o.put("examples_per_step", round((double) p.examples / steps, 2));
        o.put("dtype", r.training().bf16() ? "bf16" : "float32");
        o.put("steps", steps);
        o.put("step_time_s", round(times[steps / 2], 4));
        o.put("cpu_s_per_step", round(cpu / steps, 4));
        o.put("real_tokens_per_s", round(p.tokens / wall, 1));
        o.put("pad_fraction", round(1 - (double) p.tokens / p.slots, 4));
        o.put("rows_per_step", round((double) p.rows / steps, 2));
        o.put("data_s_per_step", round(p.seconds / steps, 5));
        o.put("threads", threads);
        o.put("setup_s", round(setup, 2));
        o.put("peak_rss_mb", round(Memory.peakRssBytes() / 1048576.0, 1));
        return o;
    }

    /** Real tokens, token slots, rows, examples and batch-making seconds of the timed steps' batches, made again as the Trainer made them. */
    private record Pipeline(long tokens, long slots, long rows, long examples, double seconds) {}

    private static Pipeline replay(Trainer.Job job, int warmup, int steps) {
        TrainingArguments a = job.args();
        Dataset data = job.train();
        Sampler sampler = job.sampler();
        int accum = a.gradientAccumulationSteps();
        long tokens = 0;
        long slots = 0;
        long rows = 0;
        long examples = 0;
        long nanos = 0;
        int micro = 0;
        for (int epoch = 0; micro < (warmup + steps) * accum; epoch++) {
            for (int[] indices : sampler.batches(epoch)) {
                if (micro++ < warmup * accum) {
                    continue;
                }
                if (micro > (warmup + steps) * accum) {
                    break;
                }
                long t0 = System.nanoTime();
                Batch b = data.batch(indices, job.padId(), micro);
                nanos += System.nanoTime() - t0;
                tokens += b.tokens();
                slots += (long) b.size() * b.length();
                rows += b.size();
                examples += indices.length;
            }
        }
        return new Pipeline(tokens, slots, rows, examples, nanos / 1e9);
    }

    private static double round(double x, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(x * f) / f;
    }
}
