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
import org.finetune4j.distributed.DistributedConfig;
import org.finetune4j.distributed.GradientSync;
import org.finetune4j.distributed.OuterStep;
import org.finetune4j.distributed.World;
import org.finetune4j.model.Losses;
import org.finetune4j.model.Output;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Autocast;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DropoutDraws;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Threads;
import org.finetune4j.tensor.Torch;

/**
 * The training loop with Hugging Face Trainer semantics, short and explicit: per optimizer step,
 * gradient accumulation over micro-batches (each in its own native-memory scope, the loss divided
 * by the labels of the whole accumulated batch), global-norm clipping, AdamW at the scheduled
 * rate; logging, evaluation, checkpoints and early stopping by step or epoch. Dropout is reseeded
 * from (seed, step) and the data order is a function of (seed, epoch), so a resumed run repeats
 * the uninterrupted run's losses exactly.
 *
 * <p>Data-parallel (a {@link World} of several ranks) it is the same loop: each rank draws its shard of
 * the epoch's order, divides its losses by the labels of the global batch, and the gradients are summed
 * over the ranks before clipping ({@link GradientSync}), so every rank takes the same AdamW step as one
 * process with the global batch would. Rank 0's weights are copied to every rank first; dropout draws
 * differ per rank; evaluation is sharded; rank 0 alone writes.
 */
public final class Trainer {

    /**
     * Everything a run needs, whatever the task: the training examples, the task's evaluation (null:
     * none) and the pad id batches are padded with; {@code tokenizerDir} is copied into every saved folder;
     * {@code saver} writes the model into checkpoints and the output (the full model, or a LoRA adapter);
     * {@code maxTokensPerBatch} (0: none) makes a training batch as many examples as fit that many real
     * tokens ({@link Sampler#tokenBudget}) instead of per_device_train_batch_size examples.
     */
    public record Job(TransformerModel model, Path tokenizerDir, Dataset train, Evaluation eval, long padId,
            TrainingArguments args, ModelSaver saver, int maxTokensPerBatch) {

        /** A job that saves the full model. */
        public Job(TransformerModel model, Path tokenizerDir, Dataset train, Evaluation eval, long padId, TrainingArguments args) {
            this(model, tokenizerDir, train, eval, padId, args, ModelSaver.FULL);
        }

        /** A job whose batches are per_device_train_batch_size examples. */
        public Job(TransformerModel model, Path tokenizerDir, Dataset train, Evaluation eval, long padId, TrainingArguments args,
                ModelSaver saver) {
            this(model, tokenizerDir, train, eval, padId, args, saver, 0);
        }

        /** This job saving through {@code s}. */
        public Job withSaver(ModelSaver s) {
            return new Job(model, tokenizerDir, train, eval, padId, args, s, maxTokensPerBatch);
        }

        /** This job with batches of {@code maxTokens} real tokens. */
        public Job withTokenBudget(int maxTokens) {
            return new Job(model, tokenizerDir, train, eval, padId, args, saver, maxTokens);
        }

        /** This job without its evaluation. */
        public Job withoutEvaluation() {
            return new Job(model, tokenizerDir, train, null, padId, args, saver, maxTokensPerBatch);
        }

        /** The order of the training examples and their batches, before sharding over ranks. */
        public Sampler sampler() {
            return maxTokensPerBatch > 0 ? Sampler.tokenBudget(train.lengths(), maxTokensPerBatch, args.seed())
                    : args.groupByLength() ? Sampler.groupedByLength(train.lengths(), args.perDeviceTrainBatchSize(), args.seed(), false)
                    : Sampler.shuffled(train.size(), args.perDeviceTrainBatchSize(), args.seed(), false);
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
    private World world = World.SINGLE;
    private GradientSync sync = new GradientSync(World.SINGLE, DistributedConfig.DEFAULT_BUCKET_BYTES);
    private OuterStep outer; // the low-communication mode (DiLoCo); null: gradients are summed every step
    private int innerSteps = 1;
    private LossScaler lossScaling; // loss scaling without float16, for the tests on the CPU (fp16 makes its own)

    public Trainer(Job job, PrintStream console) {
        this.job = job;
        this.args = job.args();
        this.console = console;
        this.trainable = job.model().namedParameters().values().stream().filter(Parameter::trainable).toList();
    }

    /** Trains as one rank of {@code w}, summing gradients in buckets of {@code bucketBytes}. */
    public Trainer in(World w, long bucketBytes) {
        this.world = w;
        this.sync = new GradientSync(w, bucketBytes);
        return this;
    }

    /**
     * The low-communication mode ({@link OuterStep}): each rank takes {@code h} AdamW steps on its own
     * batches, then the ranks average their deltas and take an outer Nesterov step ({@code lr}, {@code momentum}).
     */
    public Trainer lowCommunication(int h, double lr, double momentum) {
        this.innerSteps = h;
        this.outer = new OuterStep(world, sync, lr, momentum);
        return this;
    }

    /** Scales the loss with {@code s} as fp16 does, but in the recipe's own precision: fp16's path on a CPU, for tests. */
    Trainer lossScaling(LossScaler s) {
        this.lossScaling = s;
        return this;
    }

    public Trainer onStep(StepListener l) {
        this.listener = l;
        return this;
    }

    /** Trains, saves the final model into output_dir and returns the final metrics. */
    public Map<String, Double> train() throws IOException {
        Sampler sampler = job.sampler().shard(world.rank(), world.size());
        int micro = sampler.batchesPerEpoch();
        int stepsPerEpoch = Math.max(1, (micro + args.gradientAccumulationSteps() - 1) / args.gradientAccumulationSteps());
        int total = args.maxSteps() > 0 ? args.maxSteps() : (int) Math.ceil(args.numTrainEpochs() * stepsPerEpoch);
        int epochs = (total + stepsPerEpoch - 1) / stepsPerEpoch;
        console.printf("training: %,d examples; %s a batch, %,d batches an epoch; %,d steps%n", job.train().size(),
                job.maxTokensPerBatch() > 0 ? String.format("%,d tokens", job.maxTokensPerBatch())
                        : String.format("%,d examples", args.perDeviceTrainBatchSize()), micro * world.size(), total);
        Schedule schedule = new Schedule(args.lrSchedulerType(), args.warmup(total), total);
        try (AdamW opt = new AdamW(AdamW.groups(job.model().namedParameters(), args.weightDecay(), true),
                args.adamBeta1(), args.adamBeta2(), args.adamEpsilon());
                DropoutDraws draws = DropoutDraws.forCurrentDevice()) {
            Path resume = Ranks.agreeOnResume(world, Runs.resumePoint(args));
            Ranks.checkOuterSteps(args, innerSteps, outer != null, resume != null);
            TrainerState state = resume == null ? new TrainerState() : Checkpoints.restore(resume, job.model(), job.saver(), opt);
            LossScaler scaler = !args.fp16() ? lossScaling : resume == null ? new LossScaler() : Checkpoints.scaler(resume);
            if (resume != null) {
                Ranks.checkGlobalBatch(resume, globalBatch(), job.maxTokensPerBatch());
                console.println("resuming from " + resume + " at step " + state.globalStep);
            }
            Ranks.broadcastWeights(world, job.model());
            if (outer != null) {
                outer.begin(leaves());
            }
            Loop loop = new Loop(sampler, stepsPerEpoch, epochs, schedule, opt, state, scaler, draws);
            try (MetricsLog log = new MetricsLog(world.main() ? args.outputDir().resolve("metrics.jsonl") : null, state.logHistory,
                    total, state.globalStep, console)) {
                loop.log = log;
                int all = Threads.configuredCount();
                int threads = Threads.fitTo(loop::probe);
                if (threads < all) {
                    console.printf("threads: %d of %d between products (a batch's linear products are all under 2^26"
                            + " multiply-adds)%n", threads, all);
                }
                long t0 = System.nanoTime();
                loop.run();
                return finish(loop, (System.nanoTime() - t0) / 1e9);
            } finally {
                Threads.reset();
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
        final LossScaler scaler; // fp16: the dynamic loss scale; null otherwise
        final DropoutDraws draws; // CPU: dropout's numbers, drawn a step ahead; null otherwise
        final int startStep;
        MetricsLog log;
        double lossSinceLog;
        int stepsSinceLog;
        double lastGradNorm;
        double stepSecondsSinceLog; // data-parallel runs also log the step's time and its gradient all-reduce
        double syncSecondsSinceLog;
        double trainLossSum;
        long trainedSinceLog; // token-labelled tasks: labels the loss took, and real tokens it did not
        long ignoredSinceLog;
        long realTokens; // over all ranks: real tokens and token slots (rows x length) of the batches trained on
        long tokenSlots;
        long examples; // over all ranks: examples trained on
        boolean tokenLabelled;
        boolean stop;

        Loop(Sampler sampler, int stepsPerEpoch, int epochs, Schedule schedule, AdamW opt, TrainerState state, LossScaler scaler,
                DropoutDraws draws) {
            this.sampler = sampler;
            this.stepsPerEpoch = stepsPerEpoch;
            this.epochs = epochs;
            this.schedule = schedule;
            this.opt = opt;
            this.state = state;
            this.scaler = scaler;
            this.draws = draws;
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
                    double loss = step(group, lr(), state.globalStep);
                    state.globalStep++;
                    state.epoch = epoch + (double) (done + i + group.size()) / micro;
                    afterStep(loss);
                    if (state.globalStep % RELEASE_MEMORY_STEPS == 0) {
                        Torch.releaseFreeMemory();
                    }
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
                e.put("learning_rate", lr());
                if (world.size() > 1) {
                    e.put("step_seconds", round(stepSecondsSinceLog / stepsSinceLog));
                    e.put("allreduce_seconds", round(syncSecondsSinceLog / stepsSinceLog));
                    e.put("allreduce_bytes", sync.lastBytes());
                    stepSecondsSinceLog = 0;
                    syncSecondsSinceLog = 0;
                }
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

        /** The seed of step {@code index} on this rank. */
        private long seed(int index) {
            return args.seed() * 1_000_003L + index + world.rank() * RANK_SEED_STRIDE;
        }

        /** The scheduled learning rate; fp16 steps skipped for non-finite gradients do not advance the schedule, as in Trainer. */
        private double lr() {
            return schedule.lr(state.globalStep - (scaler == null ? 0 : scaler.skippedSteps()), args.learningRate());
        }

        /**
         * One optimizer step over a group of micro-batches (this rank's); returns the mean loss over the
         * labels of the global batch. Each micro-batch's mean loss is weighed by its share of those labels,
         * so the gradients summed over micro-batches and ranks are those of the mean over all of them.
         */
        private double step(List<int[]> group, double lr, int index) {
            long t0 = System.nanoTime();
            long seed = seed(index); // dropout, masking: per rank
            Torch.manualSeed((int) seed);
            List<Batch> batches = new java.util.ArrayList<>(group.size());
            for (int m = 0; m < group.size(); m++) {
                batches.add(job.train().batch(group.get(m), job.padId(), seed * 64 + m));
            }
            long trained = 0;
            long ignored = 0;
            long real = 0;
            long slots = 0;
            for (Batch b : batches) {
                real += b.tokens();
                slots += (long) b.size() * b.length();
                if (b.tokenLabels() != null) {
                    tokenLabelled = true;
                    trained += b.lossItems();
                    ignored += b.tokens() - b.lossItems();
                }
            }
            double[] mine = {batches.stream().mapToLong(Batch::lossItems).sum(), trained, ignored, real, slots,
                    group.stream().mapToInt(g -> g.length).sum()};
            double[] global = outer != null ? mine : world.sum(mine); // DiLoCo: the inner steps are each rank's own
            trainedSinceLog += (long) global[1];
            ignoredSinceLog += (long) global[2];
            realTokens += (long) global[3];
            tokenSlots += (long) global[4];
            examples += (long) global[5];
            double loss = 0;
            opt.zeroGrad();
            try (DropoutDraws.Step drawn = draws == null ? null : draws.step(seed, seed(index + 1))) {
                for (Batch b : batches) {
                    loss += microStep(b, (long) global[0], index);
                }
            }
            Gradients.densify(trainable);
            if (outer == null) {
                sync.sum(leaves());
                syncSecondsSinceLog += sync.lastSeconds();
            }
            loss = world.sum(loss)[0] / (outer != null ? world.size() : 1);
            boolean finite = scaler == null || scaler.unscale(leaves()); // fp16: unscaled before clipping, as GradScaler
            lastGradNorm = Gradients.norm(trainable);
            if (finite) {
                opt.step(lr, Gradients.clipFactor(lastGradNorm, args.maxGradNorm()));
            }
            if (scaler != null) {
                scaler.update(finite);
                if (!finite) {
                    log.say("step " + (index + 1) + ": skipped, fp16 gradients not finite; loss scale now " + scaler.scale());
                }
            }
            if (outer != null && (index + 1) % innerSteps == 0) {
                outer.apply(leaves());
                syncSecondsSinceLog += sync.lastSeconds();
            }
            stepSecondsSinceLog += (System.nanoTime() - t0) / 1e9;
            return loss;
        }

        /**
         * A typical batch of the run through the model as a step runs it, without gradients (for {@link Threads#fitTo}):
         * the median by token slots of the first {@link #PROBED} batches, so the choice does not hang on one batch.
         */
        void probe() {
            List<int[]> plan = sampler.batches(0, 0);
            List<Batch> first = new java.util.ArrayList<>();
            for (int i = 0; i < Math.min(PROBED, plan.size()); i++) {
                first.add(job.train().batch(plan.get(i), job.padId(), args.seed() + i));
            }
            if (first.isEmpty()) {
                return;
            }
            first.sort(java.util.Comparator.comparingLong(b -> (long) b.size() * b.length()));
            Batch median = first.get(first.size() / 2);
            try (Scope scope = Scope.open(); Autograd.Guard off = Autograd.noGrad(); Autograd.Guard cast = Autocast.of(autocast())) {
                job.model().forward(Batches.inputs(median, job.model().config.tokenTypes()), lossOnly(Forward.train()));
            }
        }

        /** The step reads the loss alone (unless it smooths labels): a masked-LM head then decodes the labelled positions only. */
        private Forward lossOnly(Forward f) {
            return args.labelSmoothingFactor() == 0 ? f.lossOnly() : f;
        }

        private double microStep(Batch b, long items, int index) {
            try (Scope scope = Scope.open(); Autograd.Guard grad = Autograd.enableGrad()) {
                var in = Batches.inputs(b, job.model().config.tokenTypes());
                Forward f = lossOnly(args.gradientCheckpointing() ? Forward.train().checkpointed() : Forward.train());
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
                Tensor weighed = loss.mul(share);
                f.backward(scaler == null ? weighed : scaler.scaled(weighed)); // with checkpointing, recomputes the layers
                return value * share;
            }
        }

        private void evaluate() throws IOException {
            if (job.eval() == null) {
                return;
            }
            Map<String, Double> m;
            try (Autograd.Guard cast = Autocast.of(autocast())) { // evaluation runs as training does, as Trainer's
                m = job.eval().evaluate(job.model(), world);
            }
            Torch.releaseFreeMemory(); // evaluation batches are larger than training's
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
            if (world.main()) {
                Checkpoints.save(args.outputDir(), job.model(), job.saver(), job.tokenizerDir(), opt, state, args, schedule, epochs,
                        globalBatch(), job.maxTokensPerBatch(), scaler);
                Checkpoints.rotate(args.outputDir(), args.saveTotalLimit(), state.bestModelCheckpoint);
            }
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
        if (outer != null && state.globalStep % innerSteps != 0) {
            outer.apply(leaves()); // the ranks end on the same weights
        }
        if (args.loadBestModelAtEnd() && state.bestModelCheckpoint != null) {
            world.barrier(); // rank 0 has written it
            loop.log.say("loading the best model from " + state.bestModelCheckpoint + " (" + args.metricForBestModel()
                    + " " + state.bestMetric + ")");
            job.saver().restore(job.model(), Path.of(state.bestModelCheckpoint));
        }
        int steps = state.globalStep - loop.startStep;
        ObjectNode summary = TrainerState.JSON.createObjectNode();
        summary.put("train_runtime", round(seconds));
        double samples = job.maxTokensPerBatch() > 0 ? loop.examples : steps * (double) globalBatch();
        summary.put("train_samples_per_second", round(samples / seconds));
        summary.put("train_steps_per_second", round(steps / seconds));
        summary.put("train_loss", steps == 0 ? 0 : loop.trainLossSum / steps);
        summary.put("train_real_tokens_per_second", round(loop.realTokens / seconds)); // pad tokens not counted
        summary.put("train_pad_fraction", loop.tokenSlots == 0 ? 0 : round(1 - (double) loop.realTokens / loop.tokenSlots));
        loop.record(summary);
        if (world.main()) {
            job.saver().save(job.model(), args.outputDir());
            Checkpoints.copyTokenizer(job.tokenizerDir(), args.outputDir());
        }
        Map<String, Double> results = new LinkedHashMap<>();
        if (job.eval() != null) {
            try (Autograd.Guard cast = Autocast.of(autocast())) {
                results.putAll(job.eval().evaluateFinal(job.model(), world, args.outputDir()));
            }
        }
        results.put("epoch", round(state.epoch));
        if (world.main()) {
            Runs.writeJson(args.outputDir().resolve("eval_results.json"), results);
            Runs.writeJson(args.outputDir().resolve("train_results.json"), Map.of("train_loss", summary.get("train_loss").asDouble(),
                    "train_runtime", summary.get("train_runtime").asDouble(), "global_step", (double) state.globalStep));
        }
        return results;
    }

    /** Examples in one optimizer step over all ranks: per-device batch x accumulation x ranks; with a token budget, batches. */
    private int globalBatch() {
        return (job.maxTokensPerBatch() > 0 ? args.gradientAccumulationSteps() : args.effectiveBatchSize()) * world.size();
    }

    /** The trained leaves, in the model's order (every rank the same). */
    private List<Tensor> leaves() {
        return trainable.stream().map(Parameter::data).toList();
    }

    /** Keeps the dropout and masking draws of two ranks apart (rank 0 draws as one process does). */
    private static final long RANK_SEED_STRIDE = 0x9E3779B9L;

    /**
     * Steps between returns of the C heap's free pages to the system ({@link Torch#releaseFreeMemory}). Over 1,000
     * steps of examples/sst2-bert-tiny.yaml (scripts/rss-over-steps.sh) resident memory then stays within a few MiB
     * of step 100's instead of rising to the largest batch's high-water mark; a return costs the next step its page
     * faults, a few ms, once in 100 steps.
     */
    private static final int RELEASE_MEMORY_STEPS = 100;

    /** Batches {@link Loop#probe} looks at. */
    private static final int PROBED = 32;

    /** bfloat16 under {@code training.bf16}, float16 under {@code training.fp16} (a GPU only), else null (float32). */
    private DType autocast() {
        return args.bf16() ? DType.BF16 : args.fp16() ? DType.F16 : null;
    }

    static double round(double x) {
        return Math.round(x * 1e4) / 1e4;
    }
}
