package org.finetune4j.train;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.finetune4j.Finetune4jException;
import org.finetune4j.model.Head;
import org.finetune4j.model.Initializer;
import org.finetune4j.model.Inputs;
import org.finetune4j.model.ModelConfig;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Parameter;
import org.finetune4j.peft.LoraConfig;
import org.finetune4j.peft.LoraModel;
import org.finetune4j.tensor.Autocast;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Devices;
import org.finetune4j.tensor.DropoutDraws;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Threads;
import org.finetune4j.tensor.Torch;

/**
 * Times full training steps (forward, backward, clipping, AdamW) or forward passes on a fixed
 * synthetic batch, as scripts/bench-transformers.py does for Transformers: random init, dropout as in
 * the default config, a warm-up, then the median of the timed steps.
 */
public final class Benchmark {

    /** A named model shape and batch; {@code lora} (or null) puts LoRA branches on it and trains only those. */
    public record Case(String name, String modelType, Head head, int batch, int seq, ObjectNode overrides, LoraConfig lora) {

        public Case(String name, String modelType, Head head, int batch, int seq, ObjectNode overrides) {
            this(name, modelType, head, batch, seq, overrides, null);
        }
    }

    /** The cases bench.py times, under the same names plus the batch shape. */
    public static List<Case> cases() {
        JsonNodeFactory j = JsonNodeFactory.instance;
        ObjectNode tiny = j.objectNode().put("hidden_size", 128).put("num_hidden_layers", 2)
                .put("num_attention_heads", 2).put("intermediate_size", 512);
        return List.of(
                new Case("bert-tiny-32x128", "bert", Head.SEQUENCE_CLASSIFICATION, 32, 128, tiny),
                new Case("bert-base-8x128", "bert", Head.SEQUENCE_CLASSIFICATION, 8, 128, j.objectNode()),
                new Case("gpt2-small-4x128", "gpt2", Head.CAUSAL_LM, 4, 128, j.objectNode()),
                // bench.py's gpt2-small-lora: PEFT LoRA r 16, alpha 32, dropout 0.05 on c_attn (fan_in_fan_out)
                new Case("gpt2-small-4x128-lora", "gpt2", Head.CAUSAL_LM, 4, 128, j.objectNode(), new LoraConfig(16, 32, 0.05,
                        List.of("c_attn"), null, false, "none", List.of(), false, true, "true", null, "CAUSAL_LM", null)));
    }

    private Benchmark() {}

    /**
     * Runs one case; {@code forwardOnly} times inference forward passes instead of training steps;
     * {@code autocast} (or null) runs the forward passes under CPU autocast to that dtype.
     */
    public static ObjectNode run(Case c, int warmup, int steps, boolean forwardOnly, double matmulGflops, DType autocast) {
        ModelConfig config = ModelConfig.parse(c.overrides().deepCopy().put("model_type", c.modelType()), c.name());
        TransformerModel model = TransformerModel.create(config, c.head());
        try {
            Initializer.initialiseMissing(model, 0);
            if (c.lora() != null) {
                LoraModel.apply(model, c.lora(), 0, c.name());
            }
            return time(c, model, warmup, steps, forwardOnly, matmulGflops, false, autocast);
        } finally {
            model.close();
        }
    }

    /**
     * How a model folder is trained: {@code loadIn8bit} holds the backbone's linear weights in 8 bits
     * (frozen), {@code gradientCheckpointing} recomputes layers in the backward pass, {@code freezeBase}
     * trains only what lies outside the backbone (the head) plus {@code trainPatterns} (name globs).
     */
    public record Options(boolean loadIn8bit, boolean gradientCheckpointing, boolean freezeBase, List<String> trainPatterns,
            LoraConfig lora) {
        public static final Options PLAIN = new Options(false, false, false, List.of(), null);

        /** The adapter of the LoRA benchmarks: LoRA r 16, alpha 32, dropout 0.05 on PEFT's default targets (q_proj, v_proj for OPT and Llama). */
        public static LoraConfig seedsLora() {
            return new LoraConfig(16, 32, 0.05, null, null, false, "none", List.of(), false, false, "true", null, null, null);
        }
    }

    /** Times a model folder (its own head) on random batches of {@code batch} x {@code seq} tokens. */
    public static ObjectNode run(Path dir, int batch, int seq, int warmup, int steps, boolean forwardOnly, double matmulGflops) {
        return run(dir, batch, seq, warmup, steps, forwardOnly, matmulGflops, Options.PLAIN, null);
    }

    /** As above, trained as {@code o} says, under autocast to {@code autocast} (or null). */
    public static ObjectNode run(Path dir, int batch, int seq, int warmup, int steps, boolean forwardOnly, double matmulGflops,
            Options o, DType autocast) {
        long t0 = System.nanoTime();
        TransformerModel model = Pretrained.load(dir, org.finetune4j.model.ModelConfig.read(dir), null, 0,
                o.loadIn8bit()).model();
        try {
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            long loadPeak = Memory.peakRssBytes();
            if (o.lora() != null) {
                LoraModel.apply(model, o.lora(), 0, dir.toString());
            }
            if (o.freezeBase()) {
                List<java.util.regex.Pattern> keep = o.trainPatterns().stream()
                        .map(g -> java.util.regex.Pattern.compile(java.util.Arrays.stream(g.split("\\*", -1))
                                .map(java.util.regex.Pattern::quote).collect(java.util.stream.Collectors.joining(".*")))).toList();
                model.namedParameters().forEach((name, p) -> {
                    if (name.startsWith(model.basePrefix()) && keep.stream().noneMatch(k -> k.matcher(name).matches())) {
                        p.setTrainable(false);
                    }
                });
            }
            if (!forwardOnly && !TRAINABLE.contains(model.head)) {
                throw new Finetune4jException(dir + ": bench trains " + TRAINABLE + " heads only; add --forward-only");
            }
            Case c = new Case(dir.getFileName() + "-" + batch + "x" + seq, model.config.common().modelType(), model.head,
                    batch, seq, null);
            ObjectNode r = time(c, model, warmup, steps, forwardOnly, matmulGflops, o.gradientCheckpointing(), autocast);
            r.put("load_in_8bit", o.loadIn8bit());
            r.put("gradient_checkpointing", o.gradientCheckpointing());
            r.put("lora", o.lora() != null);
            long all = model.namedParameters().values().stream().mapToLong(Parameter::numel).sum();
            long trainable = model.namedParameters().values().stream().filter(Parameter::trainable).mapToLong(Parameter::numel).sum();
            r.put("trainable_params", trainable);
            r.put("all_params", all);
            r.put("weights_mb", round(org.finetune4j.model.Int8.bytes(model.namedParameters().values()) / 1048576.0, 1));
            r.put("load_s", round(loadSeconds, 2));
            r.put("peak_rss_after_load_mb", round(loadPeak / 1048576.0, 1));
            return r;
        } finally {
            model.close();
        }
    }

    private static final java.util.Set<Head> TRAINABLE = java.util.EnumSet.of(Head.SEQUENCE_CLASSIFICATION,
            Head.CAUSAL_LM, Head.MASKED_LM, Head.TOKEN_CLASSIFICATION);

    private static ObjectNode time(Case c, TransformerModel model, int warmup, int steps, boolean forwardOnly,
            double matmulGflops, boolean checkpointing, DType autocast) {
        ModelConfig config = model.config;
        List<Parameter> params = model.namedParameters().values().stream().filter(Parameter::trainable).toList();
        Random rng = new Random(1);
        long[] ids = new long[c.batch() * c.seq()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(config.vocabSize());
        }
        List<Double> times = new ArrayList<>();
        double cpu = 0;
        if (!forwardOnly) {
            Threads.fitTo(() -> { // the thread count train would use for these batches
                try (Scope probe = Scope.open()) {
                    forward(model, inputs(c, config, ids, new Random(0)), autocast);
                }
            });
        }
        try (AdamW opt = new AdamW(AdamW.groups(model.namedParameters(), 0.01, false), 0.9, 0.999, 1e-8);
                DropoutDraws draws = forwardOnly ? null : DropoutDraws.forCurrentDevice()) {
            for (int i = 0; i < warmup + steps; i++) {
                long t0 = System.nanoTime();
                double c0 = Memory.cpuSeconds();
                try (Scope step = Scope.open(); DropoutDraws.Step drawn = draws == null ? null : draws.step(i, i + 1)) {
                    Inputs in = inputs(c, config, ids, rng);
                    if (forwardOnly) {
                        forward(model, in, autocast);
                    } else {
                        trainStep(model, params, opt, in, checkpointing, autocast);
                    }
                    Devices.synchronize(); // a GPU's step ends when its queued kernels have run
                }
                if (i >= warmup) {
                    times.add((System.nanoTime() - t0) / 1e9);
                    cpu += Memory.cpuSeconds() - c0;
                }
            }
        }
        ObjectNode r = report(c, config, model, times, forwardOnly, matmulGflops, autocast);
        r.put("threads", Threads.get());
        Threads.reset();
        r.put("cpu_s_per_step", round(cpu / steps, 3)); // all threads: comparable where the machine is shared
        return r;
    }

    private static Inputs inputs(Case c, ModelConfig config, long[] ids, Random rng) {
        Tensor input = Torch.tensor(ids, c.batch(), c.seq());
        Tensor mask = Torch.ones(DType.I64, c.batch(), c.seq());
        Tensor labels;
        if (c.head() == Head.CAUSAL_LM || c.head() == Head.MASKED_LM) {
            labels = input;
        } else if (c.head() == Head.TOKEN_CLASSIFICATION) {
            labels = Torch.zeros(DType.I64, c.batch(), c.seq());
        } else {
            long[] l = new long[c.batch()];
            for (int i = 0; i < l.length; i++) {
                l[i] = rng.nextInt(config.common().numLabels());
            }
            labels = Torch.tensor(l);
        }
        return Inputs.of(input, mask).withLabels(labels);
    }

    private static void forward(TransformerModel model, Inputs in, DType autocast) {
        try (Autograd.Guard off = Autograd.noGrad(); Autograd.Guard cast = Autocast.of(autocast)) {
            model.forward(in, Forward.eval()); // libtorch computes eagerly
        }
    }

    private static void trainStep(TransformerModel model, List<Parameter> params, AdamW opt, Inputs in,
            boolean checkpointing, DType autocast) {
        opt.zeroGrad();
        Forward f = (checkpointing ? Forward.train().checkpointed() : Forward.train()).lossOnly();
        Tensor loss;
        try (Autograd.Guard cast = Autocast.of(autocast)) {
            loss = model.forward(in, f).loss();
        }
        f.backward(loss);
        opt.step(2e-5, Gradients.clipFactor(Gradients.norm(params), 1.0));
    }

    private static ObjectNode report(Case c, ModelConfig config, TransformerModel model, List<Double> times,
            boolean forwardOnly, double matmulGflops, DType autocast) {
        List<Double> sorted = new ArrayList<>(times);
        sorted.sort(null);
        double median = sorted.get(sorted.size() / 2);
        if (sorted.size() % 2 == 0) {
            median = (median + sorted.get(sorted.size() / 2 - 1)) / 2;
        }
        long tokens = (long) c.batch() * c.seq();
        double gflop = Flops.perStep(model, config, c.batch(), c.seq(), forwardOnly) / 1e9;
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("case", c.name());
        o.put("mode", forwardOnly ? "forward" : "train");
        o.put("dtype", autocast == null ? "float32" : autocast.torchName());
        o.put("device", Devices.current().toString());
        o.put("step_time_s", round(median, 4));
        o.put("tokens_per_s", round(tokens / median, 1));
        o.put("peak_rss_mb", round(Memory.peakRssBytes() / 1048576.0, 1));
        if (Devices.peakBytes() > 0) {
            o.put("gpu_peak_mb", round(Devices.peakBytes() / 1048576.0, 1));
        }
        o.put("model_gflop_per_step", round(gflop, 2));
        o.put("mfu", round(gflop / median / matmulGflops, 3));
        o.put("matmul_gflops", round(matmulGflops, 1));
        o.set("step_times_s", JsonNodeFactory.instance.pojoNode(times.stream().map(t -> round(t, 4)).toList()));
        return o;
    }

    static double round(double x, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(x * f) / f;
    }

    /**
     * Matmul throughput in GFLOP/s, the best of 10 after 3 warm-ups, on the factories' device: float32
     * 2048^3 on the CPU; 8192^3 on a GPU, in {@code autocast}'s dtype when it is not null (a GPU's
     * bfloat16 peak is many times its float32 one).
     */
    public static double matmulGflops(DType autocast) {
        boolean gpu = Devices.current().kind() == org.finetune4j.tensor.Device.Kind.CUDA;
        long n = gpu ? 8192 : 2048;
        DType type = gpu && autocast != null ? autocast : DType.F32;
        try (Scope m = Scope.open()) {
            Tensor a = Torch.randn(n, n).to(type);
            Tensor b = Torch.randn(n, n).to(type);
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 13; i++) {
                long t0 = System.nanoTime();
                try (Tensor c = a.matmul(b)) {
                    Devices.synchronize();
                }
                double dt = (System.nanoTime() - t0) / 1e9;
                if (i >= 3) {
                    best = Math.min(best, dt);
                }
            }
            return 2.0 * n * n * n / best / 1e9;
        }
    }
}
