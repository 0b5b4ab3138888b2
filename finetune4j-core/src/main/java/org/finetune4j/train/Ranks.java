package org.finetune4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.distributed.World;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.Tensor;

/** What the ranks of a data-parallel run must agree on before the first step: the checkpoint, the batch, the weights. */
final class Ranks {

    private Ranks() {}

    /** The checkpoint every rank resumes from; refused when the ranks found different ones (output_dir not shared). */
    static Path agreeOnResume(World world, Path resume) {
        List<String> found = world.gather("resume", resume == null ? "none" : resume.getFileName().toString());
        for (int r = 1; r < found.size(); r++) {
            if (!found.get(r).equals(found.get(0))) {
                throw new Finetune4jException("rank " + r + " would resume from " + found.get(r) + " but rank 0 from " + found.get(0)
                        + ": training.output_dir must be one folder every rank reads (a shared file system)");
            }
        }
        return resume;
    }

    /**
     * Refuses to resume with another number of examples a step than the checkpoint's: the data cursor
     * and the schedule count steps, so only the same global batch (per-device batch x accumulation x
     * ranks) continues the run it was (any number of ranks may give it). With a token budget
     * ({@code maxTokensPerBatch}, 0: none) the budget must be the checkpoint's and the global batch counts batches.
     */
    static void checkGlobalBatch(Path checkpoint, int globalBatch, int maxTokensPerBatch) {
        Path file = checkpoint.resolve("scheduler.json");
        JsonNode json;
        try {
            json = TrainerState.JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new Finetune4jException(file + ": cannot read (" + e.getClass().getSimpleName() + ")");
        }
        int budget = json.path("max_tokens_per_batch").asInt(0);
        if (budget != maxTokensPerBatch) {
            throw new Finetune4jException(checkpoint + " was trained with data.max_tokens_per_batch " + (budget > 0 ? budget : "unset")
                    + "; this run has " + (maxTokensPerBatch > 0 ? maxTokensPerBatch : "it unset") + ": keep it the same to resume");
        }
        JsonNode saved = json.path("global_batch_size");
        if (saved.isInt() && saved.intValue() != globalBatch) {
            String unit = budget > 0 ? " batches a step; this run takes " : " examples a step; this run takes ";
            throw new Finetune4jException(checkpoint + " was trained with " + saved.intValue() + unit + globalBatch + " ("
                    + (budget > 0 ? "" : "per_device_train_batch_size x ") + "gradient_accumulation_steps x ranks): keep the product "
                    + "the same to resume");
        }
    }

    /** Copies rank 0's weights (every float parameter, trained or frozen) to the other ranks, as DDP does at its start. */
    static void broadcastWeights(World world, TransformerModel model) {
        if (world.size() == 1) {
            return;
        }
        List<Tensor> weights = new ArrayList<>();
        for (Parameter p : model.namedParameters().values()) { // tied weights once
            if (!p.quantized()) {
                weights.add(p.data());
            }
        }
        try (Autograd.Guard off = Autograd.noGrad()) {
            world.broadcast(weights);
        }
    }

    /**
     * In the low-communication mode the ranks' weights differ between outer steps, so evaluations and
     * checkpoints must fall on them: eval_steps and save_steps multiples of inner_steps, no epoch strategies.
     * Such a run does not resume: each rank's AdamW moments are its own, and a checkpoint holds rank 0's.
     */
    static void checkOuterSteps(TrainingArguments a, int innerSteps, boolean on, boolean resumes) {
        if (!on) {
            return;
        }
        if (resumes) {
            throw new Finetune4jException("distributed.sync every_n_steps does not resume from a checkpoint (each rank's "
                    + "AdamW moments are its own and a checkpoint holds rank 0's); start a new run from the checkpoint's model");
        }
        if (a.evalStrategy().equals("epoch") || a.saveStrategy().equals("epoch")
                || (a.evalStrategy().equals("steps") && a.evalSteps() % innerSteps != 0)
                || (a.saveStrategy().equals("steps") && a.saveSteps() % innerSteps != 0)) {
            throw new Finetune4jException("distributed.inner_steps " + innerSteps + ": eval_steps and save_steps must be multiples "
                    + "of it (the ranks hold the same weights only after an outer step), and eval_strategy / save_strategy "
                    + "steps or no");
        }
    }
}
