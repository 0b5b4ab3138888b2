package org.finetune4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.finetune4j.Finetune4jException;
import org.finetune4j.tensor.Threads;
import org.finetune4j.train.Benchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code finetune4j bench}: training-step (or forward) speed on fixed synthetic batches, or on a recipe's own data. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time full training steps (forward, backward, clipping, AdamW) on synthetic batches or a recipe's own data.",
                "Reports the median step time after warm-up, the CPU seconds a step (all threads: comparable on a shared",
                "machine), tokens/s, peak RSS, model FLOPs per step and MFU",
                "against a matmul GFLOP/s measured in the same process. Cases: bert-tiny-32x128, bert-base-8x128,",
                "gpt2-small-4x128, gpt2-small-4x128-lora (LoRA r 16 on c_attn): the shapes of the Python bench.py that",
                "README.md's Transformers timings come from; or a model folder with --model (optionally 8-bit, with gradient",
                "checkpointing, with the backbone frozen, or with a LoRA adapter).",
                "With --recipe: the recipe's own data pipeline and training steps (packed or padded as its data.packing says,",
                "batches of data.max_tokens_per_batch tokens when it has one; KEY=VALUE overrides as train takes them): median",
                "step time, CPU seconds a step, real (non-pad) tokens/s, the pad fraction of the batches' token slots, rows and",
                "examples a step, and the seconds the data pipeline takes a step."})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--case", paramLabel = "NAME", description = "Run only this case (repeatable); default all.")
    List<String> only;

    @Option(names = "--model", paramLabel = "DIR", description = "Time this model folder (or Hub id) instead of the built-in cases.")
    java.nio.file.Path model;

    @Option(names = "--recipe", paramLabel = "RECIPE.yaml", description = "Time this recipe's training steps on its own data.")
    java.nio.file.Path recipe;

    @picocli.CommandLine.Parameters(paramLabel = "KEY=VALUE", arity = "0..*",
            description = "With --recipe: overrides of the recipe's keys, e.g. data.packing=false.")
    List<String> overrides;

    @Mixin
    HubOptions hub;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "N", description = "With --model: rows per batch (default 8).")
    int batch;

    @Option(names = "--seq", defaultValue = "128", paramLabel = "T", description = "With --model: tokens per row (default 128).")
    int seq;

    @Option(names = "--steps", defaultValue = "5", paramLabel = "N", description = "Timed steps (default 5).")
    int steps;

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "N", description = "Warm-up steps (default 2).")
    int warmup;

    @Option(names = "--forward-only", description = "Time inference forward passes instead of training steps.")
    boolean forwardOnly;

    @Option(names = "--load-in-8bit", description = "With --model: hold the backbone's linear weights as int8 (frozen).")
    boolean loadIn8bit;

    @Option(names = "--gradient-checkpointing", description = "With --model: recompute each layer in the backward pass.")
    boolean gradientCheckpointing;

    @Option(names = "--lora", description = "With --model: train a LoRA adapter as examples/quotes-lora-stories260k.yaml does (r 16, alpha 32, dropout 0.05, PEFT's default targets).")
    boolean lora;

    @Option(names = "--freeze-base", description = "With --model: train only the head (and --train globs), the backbone frozen.")
    boolean freezeBase;

    @Option(names = "--train", paramLabel = "GLOB", description = "With --freeze-base: backbone parameters that still train (repeatable).")
    List<String> train;

    @Mixin
    PrecisionOption precision;

    @Mixin
    ThreadsOption threads;

    @Mixin
    DeviceOption device;

    @Option(names = "--json", description = "Print a JSON list of results.")
    boolean json;

    @Override
    public Integer call() {
        threads.apply();
        device.apply();
        model = hub.model(model);
        if (steps < 1 || warmup < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--steps must be >= 1 and --warmup >= 0");
        }
        if (batch < 1 || seq < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--batch and --seq must be >= 1");
        }
        if (recipe != null) {
            return benchRecipe();
        }
        if (overrides != null && !overrides.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "KEY=VALUE overrides need --recipe");
        }
        List<Benchmark.Case> cases = model == null ? selected() : List.of();
        double gflops = Benchmark.matmulGflops(precision.autocast());
        PrintWriter out = spec.commandLine().getOut();
        ArrayNode results = JsonNodeFactory.instance.arrayNode();
        if (model != null) {
            Benchmark.Options o = new Benchmark.Options(loadIn8bit, gradientCheckpointing, freezeBase, train == null ? List.of() : train,
                    lora ? Benchmark.Options.seedsLora() : null);
            print(out, Benchmark.run(model, batch, seq, warmup, steps, forwardOnly, gflops, o, precision.autocast()), results);
        } else if (loadIn8bit || gradientCheckpointing || freezeBase || train != null || lora) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--load-in-8bit, --gradient-checkpointing, --lora, --freeze-base and --train need --model");
        }
        for (Benchmark.Case c : cases) {
            print(out, Benchmark.run(c, warmup, steps, forwardOnly, gflops, precision.autocast()), results);
        }
        if (json) {
            out.println(Json.pretty(results));
        }
        out.flush();
        return 0;
    }

    private int benchRecipe() {
        if (model != null || only != null || forwardOnly || loadIn8bit || gradientCheckpointing || lora || freezeBase || train != null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--recipe takes only --steps, --warmup, --bf16, --threads, --json and KEY=VALUE overrides");
        }
        PrintWriter out = spec.commandLine().getOut();
        ObjectNode r;
        try {
            r = RecipeBench.run(recipe, overrides == null ? List.of() : overrides, warmup, steps, precision.bf16,
                    new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        } catch (java.io.IOException e) {
            throw new Finetune4jException(recipe + ": " + e.getMessage());
        }
        if (json) {
            out.println(Json.pretty(r));
        } else {
            String batches = !r.get("packing").asBoolean() ? "padded"
                    : r.has("max_tokens_per_batch") ? "packed, " + r.get("max_tokens_per_batch").asInt() + " tokens a batch," : "packed";
            out.printf("%s  %s %s  %d steps  %.4f s/step (%.3f CPU s)  %.1f real tokens/s  pad %.1f%% of %.1f rows/step"
                            + "  %.1f examples/step  data %.2f ms/step  setup %.1f s  %s  peak RSS %.1f MB%n",
                    r.get("recipe").asText(), batches, r.get("dtype").asText(),
                    r.get("steps").asInt(), r.get("step_time_s").asDouble(), r.get("cpu_s_per_step").asDouble(),
                    r.get("real_tokens_per_s").asDouble(), 100 * r.get("pad_fraction").asDouble(), r.get("rows_per_step").asDouble(),
                    r.get("examples_per_step").asDouble(), 1000 * r.get("data_s_per_step").asDouble(), r.get("setup_s").asDouble(),
                    threads(r), r.get("peak_rss_mb").asDouble());
        }
        out.flush();
        return 0;
    }

    private void print(PrintWriter out, ObjectNode r, ArrayNode results) {
        results.add(r);
        if (!json) {
            out.printf("%-21s %-7s %-8s %8.4f s/step (%.2f CPU s, %s) %9.1f tokens/s  peak RSS %7.1f MB  %7.2f GFLOP/step"
                            + "  MFU %.3f (matmul %.1f GFLOP/s)%n",
                    r.get("case").asText(), r.get("mode").asText(), r.get("dtype").asText(), r.get("step_time_s").asDouble(),
                    r.get("cpu_s_per_step").asDouble(), threads(r), r.get("tokens_per_s").asDouble(), r.get("peak_rss_mb").asDouble(),
                    r.get("model_gflop_per_step").asDouble(), r.get("mfu").asDouble(), r.get("matmul_gflops").asDouble());
            out.flush();
        }
    }

    private static String threads(ObjectNode r) {
        int n = r.get("threads").asInt();
        return n + (n == 1 ? " thread" : " threads") + (n < Threads.configuredCount() ? " between products" : "");
    }

    private List<Benchmark.Case> selected() {
        List<Benchmark.Case> all = Benchmark.cases();
        if (only == null || only.isEmpty()) {
            return all;
        }
        List<String> names = all.stream().map(Benchmark.Case::name).toList();
        for (String n : only) {
            if (!names.contains(n)) {
                throw new Finetune4jException("unknown bench case '" + n + "' (cases: " + String.join(", ", names) + ")");
            }
        }
        return all.stream().filter(c -> only.contains(c.name())).toList();
    }
}
