package org.finetune4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
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

/**
 * Times full training steps (forward, backward, clipping, AdamW) or forward passes on a fixed
 * synthetic batch, as shared/oracle/bench.py does for Transformers: random init, dropout as in
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

    /** Runs one case; {@code forwardOnly} times inference forward passes instead of training steps. */
    public static ObjectNode run(Case c, int warmup, int steps, boolean forwardOnly, double matmulGflops) {
        ModelConfig config = ModelConfig.parse(c.overrides().deepCopy().put("model_type", c.modelType()), c.name());
        try (NDManager manager = NDManager.newBaseManager()) {
            TransformerModel model = TransformerModel.create(config, c.head());
            Initializer.initialiseMissing(model, manager, 0);
            if (c.lora() != null) {
                LoraModel.apply(model, c.lora(), manager, 0, c.name());
            }
            return time(c, model, warmup, steps, forwardOnly, matmulGflops, manager, false);
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

        /** The seeds' adapter: LoRA r 16, alpha 32, dropout 0.05 on PEFT's default targets (q_proj, v_proj for OPT and Llama). */
        public static LoraConfig seedsLora() {
            return new LoraConfig(16, 32, 0.05, null, null, false, "none", List.of(), false, false, "true", null, null, null);
        }
    }

    /** Times a model folder (its own head) on random batches of {@code batch} x {@code seq} tokens. */
    public static ObjectNode run(Path dir, int batch, int seq, int warmup, int steps, boolean forwardOnly, double matmulGflops) {
        return run(dir, batch, seq, warmup, steps, forwardOnly, matmulGflops, Options.PLAIN);
    }

    /** As above, trained as {@code o} says. */
    public static ObjectNode run(Path dir, int batch, int seq, int warmup, int steps, boolean forwardOnly, double matmulGflops,
            Options o) {
        try (NDManager manager = NDManager.newBaseManager()) {
            long t0 = System.nanoTime();
            TransformerModel model = Pretrained.load(dir, org.finetune4j.model.ModelConfig.read(dir), null, manager, 0,
                    o.loadIn8bit()).model();
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            long loadPeak = Memory.peakRssBytes();
            if (o.lora() != null) {
                LoraModel.apply(model, o.lora(), manager, 0, dir.toString());
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
            ObjectNode r = time(c, model, warmup, steps, forwardOnly, matmulGflops, manager, o.gradientCheckpointing());
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
        }
    }

    private static final java.util.Set<Head> TRAINABLE = java.util.EnumSet.of(Head.SEQUENCE_CLASSIFICATION,
            Head.CAUSAL_LM, Head.MASKED_LM, Head.TOKEN_CLASSIFICATION);

    private static ObjectNode time(Case c, TransformerModel model, int warmup, int steps, boolean forwardOnly,
            double matmulGflops, NDManager manager, boolean checkpointing) {
        ModelConfig config = model.config;
        List<Parameter> params = model.namedParameters().values().stream().filter(Parameter::trainable).toList();
        Random rng = new Random(1);
        long[] ids = new long[c.batch() * c.seq()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(config.vocabSize());
        }
        List<Double> times = new ArrayList<>();
        try (AdamW opt = new AdamW(AdamW.groups(model.namedParameters(), 0.01, false), 0.9, 0.999, 1e-8, manager)) {
            for (int i = 0; i < warmup + steps; i++) {
                long t0 = System.nanoTime();
                try (NDManager step = manager.newSubManager()) {
                    Inputs in = inputs(c, config, ids, rng, step);
                    if (forwardOnly) {
                        forward(model, in);
                    } else {
                        trainStep(model, params, opt, in, step, checkpointing);
                    }
                }
                if (i >= warmup) {
                    times.add((System.nanoTime() - t0) / 1e9);
                }
            }
        }
        return report(c, config, model, times, forwardOnly, matmulGflops);
    }

    private static Inputs inputs(Case c, ModelConfig config, long[] ids, Random rng, NDManager step) {
        NDArray input = step.create(ids, new Shape(c.batch(), c.seq()));
        NDArray mask = step.ones(new Shape(c.batch(), c.seq()), DataType.INT64);
        NDArray labels;
        if (c.head() == Head.CAUSAL_LM || c.head() == Head.MASKED_LM) {
            labels = input;
        } else if (c.head() == Head.TOKEN_CLASSIFICATION) {
            labels = input.zerosLike();
        } else {
            long[] l = new long[c.batch()];
            for (int i = 0; i < l.length; i++) {
                l[i] = rng.nextInt(config.common().numLabels());
            }
            labels = step.create(l);
        }
        return Inputs.of(input, mask).withLabels(labels);
    }

    private static void forward(TransformerModel model, Inputs in) {
        boolean gradMode = org.finetune4j.tensor.Ops.gradMode();
        org.finetune4j.tensor.Ops.setGradMode(false);
        try {
            model.forward(in, Forward.eval()).logits().getShape(); // result materialised by libtorch eagerly
        } finally {
            org.finetune4j.tensor.Ops.setGradMode(gradMode);
        }
    }

    private static void trainStep(TransformerModel model, List<Parameter> params, AdamW opt, Inputs in, NDManager step,
            boolean checkpointing) {
        opt.zeroGrad();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            Forward f = (checkpointing ? Forward.train().checkpointed() : Forward.train()).lossOnly();
            f.backward(model.forward(in, f).loss());
        }
        Gradients.clip(params, 1.0, step);
        opt.step(2e-5);
    }

    private static ObjectNode report(Case c, ModelConfig config, TransformerModel model, List<Double> times,
            boolean forwardOnly, double matmulGflops) {
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
        o.put("step_time_s", round(median, 4));
        o.put("tokens_per_s", round(tokens / median, 1));
        o.put("peak_rss_mb", round(Memory.peakRssBytes() / 1048576.0, 1));
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

    /** fp32 matmul throughput (2048^3, the best of 10 after 3 warm-ups), in GFLOP/s. */
    public static double matmulGflops() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.randomNormal(new Shape(2048, 2048));
            NDArray b = m.randomNormal(new Shape(2048, 2048));
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 13; i++) {
                long t0 = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    c.getShape();
                }
                double dt = (System.nanoTime() - t0) / 1e9;
                if (i >= 3) {
                    best = Math.min(best, dt);
                }
            }
            return 2.0 * 2048 * 2048 * 2048 / best / 1e9;
        }
    }
}
