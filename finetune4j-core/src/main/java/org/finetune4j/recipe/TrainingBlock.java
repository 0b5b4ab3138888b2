package org.finetune4j.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.tensor.Device;
import org.finetune4j.tensor.Devices;
import org.finetune4j.train.TrainingArguments;

/** A recipe's {@code training:} block, read into {@link TrainingArguments} with Transformers' names and defaults, and checked. */
public final class TrainingBlock {

    private TrainingBlock() {}

    static final List<String> STRATEGIES = List.of("no", "steps", "epoch");

    /** Reads the {@code training:} block; paths are relative to the recipe's folder (see {@link Node#output}). */
    public static TrainingArguments read(Node n) {
        int logging = n.integer("logging_steps", 500);
        String eval = n.choice("eval_strategy", n.choice("evaluation_strategy", "no", STRATEGIES), STRATEGIES);
        String metric = n.string("metric_for_best_model", null);
        boolean loadBest = n.bool("load_best_model_at_end", false);
        String bestMetric = metric != null ? metric : loadBest || n.has("early_stopping_patience") ? "loss" : null;
        boolean greater = n.bool("greater_is_better", bestMetric != null && !bestMetric.endsWith("loss"));
        TrainingArguments a = new TrainingArguments(
                outputDir(n),
                n.bool("overwrite_output_dir", false),
                n.number("num_train_epochs", 3.0),
                n.integer("max_steps", -1),
                n.integer("per_device_train_batch_size", 8),
                n.integer("per_device_eval_batch_size", 8),
                n.integer("gradient_accumulation_steps", 1),
                n.number("learning_rate", 5e-5),
                n.number("weight_decay", 0.0),
                n.number("adam_beta1", 0.9),
                n.number("adam_beta2", 0.999),
                n.number("adam_epsilon", 1e-8),
                n.number("max_grad_norm", 1.0),
                n.choice("lr_scheduler_type", "linear", TrainingArguments.SCHEDULES),
                n.integer("warmup_steps", 0),
                n.number("warmup_ratio", 0.0),
                logging,
                eval,
                n.integer("eval_steps", logging),
                n.choice("save_strategy", "steps", STRATEGIES),
                n.integer("save_steps", 500),
                n.optionalInt("save_total_limit"),
                loadBest,
                bestMetric,
                greater,
                n.optionalInt("early_stopping_patience"),
                n.number("early_stopping_threshold", 0.0),
                n.integer("seed", 42),
                n.bool("group_by_length", false),
                n.number("label_smoothing_factor", 0.0),
                n.bool("bf16", false),
                resume(n),
                n.bool("skip_nonfinite_loss", false),
                n.bool("gradient_checkpointing", false),
                n.string("device", Devices.defaultSpec()),
                n.bool("fp16", false));
        validate(a, n);
        n.finish();
        return a;
    }

    private static Path outputDir(Node n) {
        n.required("output_dir");
        return n.output("output_dir");
    }

    private static String resume(Node n) {
        JsonNode r = n.raw("resume_from_checkpoint");
        if (r == null || (r.isBoolean() && !r.booleanValue()) || r.asText().equals("false")) {
            return null;
        }
        if ((r.isBoolean() && r.booleanValue()) || r.asText().equals("true") || r.asText().equals("latest")) {
            return "latest";
        }
        return n.output("resume_from_checkpoint").toString();
    }

    private static void validate(TrainingArguments a, Node n) {
        positive(n, "per_device_train_batch_size", a.perDeviceTrainBatchSize());
        positive(n, "per_device_eval_batch_size", a.perDeviceEvalBatchSize());
        positive(n, "gradient_accumulation_steps", a.gradientAccumulationSteps());
        positive(n, "logging_steps", a.loggingSteps());
        positive(n, "eval_steps", a.evalSteps());
        positive(n, "save_steps", a.saveSteps());
        if (a.maxSteps() <= 0 && a.numTrainEpochs() <= 0) {
            throw n.error("num_train_epochs", "must be positive when max_steps is not set");
        }
        if (a.learningRate() < 0 || a.weightDecay() < 0 || a.warmupRatio() < 0 || a.warmupRatio() > 1 || a.warmupSteps() < 0) {
            throw n.error("learning_rate", "learning_rate, weight_decay and warmup must be >= 0 (warmup_ratio <= 1)");
        }
        if (a.labelSmoothingFactor() < 0 || a.labelSmoothingFactor() >= 1) {
            throw n.error("label_smoothing_factor", "must be in [0, 1), got " + a.labelSmoothingFactor());
        }
        if (a.saveTotalLimit() != null && a.saveTotalLimit() < 1) {
            throw n.error("save_total_limit", "must be at least 1");
        }
        if (a.loadBestModelAtEnd() && (a.evalStrategy().equals("no") || !a.saveStrategy().equals(a.evalStrategy())
                || (a.evalStrategy().equals("steps") && a.saveSteps() % a.evalSteps() != 0))) {
            throw n.error("load_best_model_at_end", "needs save_strategy equal to eval_strategy (not no) and save_steps a multiple of eval_steps");
        }
        if (a.earlyStoppingPatience() != null && a.evalStrategy().equals("no")) {
            throw n.error("early_stopping_patience", "needs an eval_strategy other than no");
        }
        if (!Devices.valid(a.deviceSpec())) {
            throw n.error("device", "must be auto, cpu, cuda or cuda:N, got '" + org.finetune4j.io.Text.printable(a.deviceSpec()) + "'");
        }
        if (a.fp16() && a.bf16()) {
            throw n.error("fp16", "and bf16 are both set; choose one");
        }
        if (a.fp16() && a.device().kind() == Device.Kind.CPU) {
            throw n.error("fp16", "is not supported on the CPU, which has no fast float16 arithmetic (use bf16: true)");
        }
    }

    private static void positive(Node n, String key, int value) {
        if (value < 1) {
            throw n.error(key, "must be at least 1, got " + value);
        }
    }

}
