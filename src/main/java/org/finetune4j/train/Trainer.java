package org.finetune4j.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.Batch;
import org.finetune4j.data.Dataset;
import org.finetune4j.data.Sampler;
import org.finetune4j.eval.Batches;
import org.finetune4j.model.Losses;
import org.finetune4j.model.Output;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Autocast;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * The training loop with Hugging Face Trainer semantics, short and explicit: per optimizer step,
 * gradient accumulation over micro-batches (each in its own native-memory scope, the loss divided
 * by the labels of the whole accumulated batch), global-norm clipping, AdamW at the scheduled
 * rate; logging, evaluation, checkpoints and early stopping by step or epoch. Dropout is reseeded
 * from (seed, step) and the data order is a function of (seed, epoch), so a resumed run repeats
 * the uninterrupted run's losses exactly.
 */
public final class Trainer {

    /**
     * Everything a run needs, whatever the task: the training examples, the task's evaluation (null:
     * none) and the pad id batches are padded with; {@code tokenizerDir} is copied into every saved folder;
     * {@code saver} writes the model into checkpoints and the output (the full model, or a LoRA adapter).
     */
    public record Job(TransformerModel model, Path tokenizerDir, Dataset train, Evaluation eval, long padId,
            TrainingArguments args, ModelSaver saver) {

        /** A job that saves the full model. */
        public Job(TransformerModel model, Path tokenizerDir, Dataset train, Evaluation eval, long padId, TrainingArguments args) {
            this(model, tokenizerDir, train, eval, padId, args, ModelSaver.FULL);
        }

        /** This job saving through {@code s}. */
        public Job withSaver(ModelSaver s) {
            return new Job(model, tokenizerDir, train, eval, padId, args, s);
        }
    }

    /** Called after every optimizer step with its mean loss (tests use it to stop a run abruptly). */
    public interface StepListener {
        void afterStep(int globalStep, double loss);
    }

    private final Job job;
    private final TrainingArguments args;
    private final PrintStream console;
    private final List<Parameter> trainable;
    private StepListener listener = (step, loss) -> {};

    public Trainer(Job job, PrintStream console) {
        this.job = job;
        this.args = job.args();
        this.console = console;
        this.trainable = job.model().namedParameters().values().stream().filter(Parameter::trainable).toList();
    }

    public Trainer onStep(StepListener l) {
        this.listener = l;
        return this;
    }

    /** Trains, saves the final model into output_dir and returns the final metrics. */
    public Map<String, Double> train() throws IOException {
        Sampler sampler = args.groupByLength()
                ? Sampler.groupedByLength(job.train().lengths(), args.perDeviceTrainBatchSize(), args.seed(), false)
                : Sampler.shuffled(job.train().size(), args.perDeviceTrainBatchSize(), args.seed(), false);
        int micro = sampler.batchesPerEpoch();
        int stepsPerEpoch = Math.max(1, (micro + args.gradientAccumulationSteps() - 1) / args.gradientAccumulationSteps());
        int total = args.maxSteps() > 0 ? args.maxSteps() : (int) Math.ceil(args.numTrainEpochs() * stepsPerEpoch);
        int epochs = (total + stepsPerEpoch - 1) / stepsPerEpoch;
        Schedule schedule = new Schedule(args.lrSchedulerType(), args.warmup(total), total);
        try (AdamW opt = new AdamW(AdamW.groups(job.model().namedParameters(), args.weightDecay(), true),
                args.adamBeta1(), args.adamBeta2(), args.adamEpsilon())) {
            Path resume = Runs.resumePoint(args);
            TrainerState state = resume == null ? new TrainerState() : Checkpoints.restore(resume, job.model(), job.saver(), opt);
            if (resume != null) {
                console.println("resuming from " + resume + " at step " + state.globalStep);
            }
            Loop loop = new Loop(sampler, stepsPerEpoch, epochs, schedule, opt, state);
            try (MetricsLog log = new MetricsLog(args.outputDir().resolve("metrics.jsonl"), state.logHistory, total,
                    state.globalStep, console)) {
                loop.log = log;
                long t0 = System.nanoTime();
                loop.run();
                return finish(loop, (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    /** The loop's moving parts. */
    private final class Loop {
        final Sampler sampler;
        final int stepsPerEpoch;
        final int epochs;
        final Schedule schedule;
        final AdamW opt;
        final TrainerState state;
        final int startStep;
        MetricsLog log;
        double lossSinceLog;
        int stepsSinceLog;
        double lastGradNorm;
        double trainLossSum;
        long trainedSinceLog; // token-labelled tasks: labels the loss took, and real tokens it did not
        long ignoredSinceLog;
        boolean tokenLabelled;
        boolean stop;

        Loop(Sampler sampler, int stepsPerEpoch, int epochs, Schedule schedule, AdamW opt, TrainerState state) {
            this.sampler = sampler;
            this.stepsPerEpoch = stepsPerEpoch;
            this.epochs = epochs;
            this.schedule = schedule;
            this.opt = opt;
            this.state = state;
            this.startStep = state.globalStep;
            this.stop = state.globalStep >= schedule.total(); // resumed from the last step: nothing left to train
        }

        void run() throws IOException {
            int accum = args.gradientAccumulationSteps();
            int micro = sampler.batchesPerEpoch();
            for (int epoch = state.globalStep / stepsPerEpoch; epoch < epochs && !stop; epoch++) {
                int done = epoch == startStep / stepsPerEpoch ? (startStep % stepsPerEpoch) * accum : 0;
                List<int[]> batches = sampler.batches(epoch, done);
                for (int i = 0; i < batches.size() && !stop; i += accum) {
                    List<int[]> group = batches.subList(i, Math.min(i + accum, batches.size()));
                    double loss = step(group, schedule.lr(state.globalStep, args.learningRate()), state.globalStep);
                    state.globalStep++;
                    state.epoch = epoch + (double) (done + i + group.size()) / micro;
                    afterStep(loss);
                    if (!stop && args.evalStrategy().equals("steps") && state.globalStep % args.evalSteps() == 0) {
                        evaluate();
                    }
                    if (args.saveStrategy().equals("steps") && state.globalStep % args.saveSteps() == 0) {
                        save();
                    }
                    listener.afterStep(state.globalStep, loss);
                    stop |= state.globalStep >= schedule.total();
                }
                if (args.evalStrategy().equals("epoch")) {
                    evaluate();
                }
                if (args.saveStrategy().equals("epoch")) {
                    save();
                }
            }
        }

        private void afterStep(double loss) throws IOException {
            lossSinceLog += loss;
            trainLossSum += loss;
            stepsSinceLog++;
            log.step(state.globalStep);
            if (state.globalStep % args.loggingSteps() == 0) {
                ObjectNode e = TrainerState.JSON.createObjectNode();
                e.put("loss", round(lossSinceLog / stepsSinceLog));
                e.put("grad_norm", lastGradNorm);
                e.put("learning_rate", schedule.lr(state.globalStep, args.learningRate()));
                if (tokenLabelled) {
                    e.put("trained_tokens", trainedSinceLog);
                    e.put("ignored_tokens", ignoredSinceLog); // real tokens the loss left out (not MLM's [MASK]s)
                    trainedSinceLog = 0;
                    ignoredSinceLog = 0;
                }
                record(e);
                lossSinceLog = 0;
                stepsSinceLog = 0;
            }
        }

        /** One optimizer step over a group of micro-batches; returns the mean loss over its labels. */
        private double step(List<int[]> group, double lr, int index) {
            long seed = args.seed() * 1_000_003L + index;
            Torch.manualSeed((int) seed);
            List<Batch> batches = new java.util.ArrayList<>(group.size());
            for (int m = 0; m < group.size(); m++) {
                batches.add(job.train().batch(group.get(m), job.padId(), seed * 64 + m));
            }
            long items = batches.stream().mapToLong(Batch::lossItems).sum();
            for (Batch b : batches) {
                if (b.tokenLabels() != null) {
                    tokenLabelled = true;
                    trainedSinceLog += b.lossItems();
                    ignoredSinceLog += b.tokens() - b.lossItems();
                }
            }
            double loss = 0;
            opt.zeroGrad();
            for (Batch b : batches) {
                loss += microStep(b, items, index);
            }
            lastGradNorm = Gradients.clip(trainable, args.maxGradNorm());
            opt.step(lr);
            return loss;
        }

        private double microStep(Batch b, long items, int index) {
            try (Scope scope = Scope.open(); Autograd.Guard grad = Autograd.enableGrad()) {
                var in = Batches.inputs(b, job.model().config.tokenTypes());
                Forward f = args.gradientCheckpointing() ? Forward.train().checkpointed() : Forward.train();
                if (args.labelSmoothingFactor() == 0) {
                    f = f.lossOnly();
                }
                Tensor loss;
                try (Autograd.Guard cast = Autocast.of(autocast())) { // the forward pass only, as Trainer's autocast
                    Output out = job.model().forward(in, f);
                    loss = args.labelSmoothingFactor() > 0
                            ? Losses.labelSmoothed(out.logits(), in.labels(), args.labelSmoothingFactor(),
                                    job.model().head == org.finetune4j.model.Head.CAUSAL_LM)
                            : out.loss();
                }
                float value = (float) loss.item();
                if (!Float.isFinite(value)) {
                    if (!args.skipNonfiniteLoss()) {
                        throw new Finetune4jException("step " + (index + 1) + ": the loss is " + value
                                + " (set training.skip_nonfinite_loss: true to skip such batches)");
                    }
                    log.say("step " + (index + 1) + ": skipped a batch whose loss is " + value);
                    return 0;
                }
                if (b.lossItems() == 0) {
                    return 0;
                }
                double share = (double) b.lossItems() / items;
                f.backward(loss.mul(share)); // with checkpointing, recomputes the layers
                return value * share;
            }
        }

        private void evaluate() throws IOException {
            if (job.eval() == null) {
                return;
            }
            Map<String, Double> m;
            try (Autograd.Guard cast = Autocast.of(autocast())) { // evaluation runs as training does, as Trainer's
                m = job.eval().evaluate(job.model());
            }
            ObjectNode e = TrainerState.JSON.createObjectNode();
            m.forEach(e::put);
            record(e);
            if (args.metricForBestModel() != null) {
                track(m);
            }
        }

        /** Best metric and early stopping, in Transformers' order (patience against the old best). */
        private void track(Map<String, Double> m) {
            String key = args.metricForBestModel().startsWith("eval_") ? args.metricForBestModel() : "eval_" + args.metricForBestModel();
            Double value = m.get(key);
            if (value == null) {
                throw new Finetune4jException("metric_for_best_model '" + args.metricForBestModel()
                        + "' is not among the evaluation metrics " + m.keySet());
            }
            boolean better = state.bestMetric == null || (args.greaterIsBetter() ? value > state.bestMetric : value < state.bestMetric);
            if (args.earlyStoppingPatience() != null) {
                boolean improved = better && (state.bestMetric == null
                        || Math.abs(value - state.bestMetric) > args.earlyStoppingThreshold());
                state.patienceCounter = improved ? 0 : state.patienceCounter + 1;
                if (state.patienceCounter >= args.earlyStoppingPatience()) {
                    log.say("early stopping: " + key + " has not improved for " + state.patienceCounter + " evaluations");
                    stop = true;
                }
            }
            if (better) {
                state.bestMetric = value;
                state.bestGlobalStep = state.globalStep;
            }
        }

        private void save() throws IOException {
            Path best = state.bestGlobalStep == null ? null
                    : args.outputDir().resolve(Checkpoints.PREFIX + state.bestGlobalStep); // as given, like Transformers
            if (best != null && (state.bestGlobalStep == state.globalStep || java.nio.file.Files.isDirectory(best))) {
                state.bestModelCheckpoint = best.toString();
            }
            Checkpoints.save(args.outputDir(), job.model(), job.saver(), job.tokenizerDir(), opt, state, args, schedule, epochs);
            Checkpoints.rotate(args.outputDir(), args.saveTotalLimit(), state.bestModelCheckpoint);
        }

        private void record(ObjectNode e) throws IOException {
            e.put("epoch", round(state.epoch));
            e.put("step", state.globalStep);
            state.logHistory.add(e);
            log.log(e);
        }
    }

    private Map<String, Double> finish(Loop loop, double seconds) throws IOException {
        TrainerState state = loop.state;
        if (args.loadBestModelAtEnd() && state.bestModelCheckpoint != null) {
            loop.log.say("loading the best model from " + state.bestModelCheckpoint + " (" + args.metricForBestModel()
                    + " " + state.bestMetric + ")");
            job.saver().restore(job.model(), Path.of(state.bestModelCheckpoint));
        }
        int steps = state.globalStep - loop.startStep;
        ObjectNode summary = TrainerState.JSON.createObjectNode();
        summary.put("train_runtime", round(seconds));
        summary.put("train_samples_per_second", round(steps * (double) args.effectiveBatchSize() / seconds));
        summary.put("train_steps_per_second", round(steps / seconds));
        summary.put("train_loss", steps == 0 ? 0 : loop.trainLossSum / steps);
        loop.record(summary);
        job.saver().save(job.model(), args.outputDir());
        Checkpoints.copyTokenizer(job.tokenizerDir(), args.outputDir());
        Map<String, Double> results = new LinkedHashMap<>();
        if (job.eval() != null) {
            try (Autograd.Guard cast = Autocast.of(autocast())) {
                results.putAll(job.eval().evaluateFinal(job.model(), args.outputDir()));
            }
        }
        results.put("epoch", round(state.epoch));
        Runs.writeJson(args.outputDir().resolve("eval_results.json"), results);
        Runs.writeJson(args.outputDir().resolve("train_results.json"), Map.of("train_loss", summary.get("train_loss").asDouble(),
                "train_runtime", summary.get("train_runtime").asDouble(), "global_step", (double) state.globalStep));
        return results;
    }

    /** bfloat16 under {@code training.bf16}, else null (float32). */
    private DType autocast() {
        return args.bf16() ? DType.BF16 : null;
    }

    static double round(double x) {
        return Math.round(x * 1e4) / 1e4;
    }
}
