package org.finetune4j.train;

import java.nio.file.Path;
import java.util.List;
import org.finetune4j.tensor.Device;
import org.finetune4j.tensor.Devices;

/**
 * Hugging Face TrainingArguments: the same names (in a recipe's {@code training:} block, which
 * {@code recipe.TrainingBlock} reads) and defaults. {@code resumeFromCheckpoint} is null (no resume), "latest" or a checkpoint path.
 */
public record TrainingArguments(
        Path outputDir,
        boolean overwriteOutputDir,
        double numTrainEpochs,
        int maxSteps,
        int perDeviceTrainBatchSize,
        int perDeviceEvalBatchSize,
        int gradientAccumulationSteps,
        double learningRate,
        double weightDecay,
        double adamBeta1,
        double adamBeta2,
        double adamEpsilon,
        double maxGradNorm,
        String lrSchedulerType,
        int warmupSteps,
        double warmupRatio,
        int loggingSteps,
        String evalStrategy,
        int evalSteps,
        String saveStrategy,
        int saveSteps,
        Integer saveTotalLimit,
        boolean loadBestModelAtEnd,
        String metricForBestModel,
        boolean greaterIsBetter,
        Integer earlyStoppingPatience,
        double earlyStoppingThreshold,
        long seed,
        boolean groupByLength,
        double labelSmoothingFactor,
        boolean bf16,
        String resumeFromCheckpoint,
        boolean skipNonfiniteLoss,
        boolean gradientCheckpointing,
        String deviceSpec,
        boolean fp16) {

    public static final List<String> SCHEDULES = List.of("linear", "cosine", "constant", "constant_with_warmup", "polynomial");
    /**
     * The device {@code training.device} names on this build and machine (auto: the GPU when libtorch's
     * GPU build sees one, else the CPU); a device that is not there is a one-line error.
     */
    public Device device() {
        return Devices.select(deviceSpec, "training.device");
    }

    /** Micro-batches per optimizer step times the batch size. */
    public int effectiveBatchSize() {
        return perDeviceTrainBatchSize * gradientAccumulationSteps;
    }

    /** Warm-up steps: warmup_steps when set, else ceil(warmup_ratio x total steps), as Transformers. */
    public int warmup(int totalSteps) {
        return warmupSteps > 0 ? warmupSteps : (int) Math.ceil(warmupRatio * totalSteps);
    }
}
