package org.finetune4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.SafeTensors;
import org.finetune4j.io.SafeTensorsWriter;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Tensors;

/**
 * checkpoint-STEP folders: the model as an HF folder (or a LoRA run's adapter folder, see {@link ModelSaver}), optimizer moments (optimizer.safetensors),
 * scheduler, data cursor and examples (or token-budget batches) a step over all ranks (scheduler.json), trainer_state.json. Each is written whole into
 * tmp-checkpoint-STEP and renamed, so a kill leaves the old checkpoints and no half-written one.
 */
final class Checkpoints {

    static final String PREFIX = "checkpoint-";

    private Checkpoints() {}

    static Path save(Path outputDir, TransformerModel model, ModelSaver saver, Path tokenizerDir, AdamW opt, TrainerState state,
            TrainingArguments args, Schedule schedule, int numEpochs, int globalBatch, int maxTokensPerBatch, LossScaler scaler)
            throws IOException {
        Path dir = outputDir.resolve(PREFIX + state.globalStep);
        Path tmp = outputDir.resolve("tmp-" + PREFIX + state.globalStep);
        deleteTree(tmp);
        Files.createDirectories(tmp);
        saver.save(model, tmp);
        copyTokenizer(tokenizerDir, tmp);
        DType saved = model.config.common().dtype(); // a narrower one rounds the model file: keep the float32 masters too
        boolean masters = saver == ModelSaver.FULL && saved != null && saved != DType.F32;
        SafeTensorsWriter.write(tmp.resolve("optimizer.safetensors"), opt.stateTensors(model.namedParameters(), masters),
                Map.of("step", Long.toString(opt.stepCount())));
        ObjectNode sched = TrainerState.JSON.createObjectNode().put("type", schedule.type()).put("warmup", schedule.warmup())
                .put("total", schedule.total()).put("last_epoch", state.globalStep).put("global_batch_size", globalBatch);
        if (maxTokensPerBatch > 0) { // global_batch_size then counts batches of this many tokens
            sched.put("max_tokens_per_batch", maxTokensPerBatch);
        }
        if (scaler != null) { // fp16: GradScaler's state (Transformers keeps it in scaler.pt)
            sched.put("loss_scale", scaler.scale()).put("growth_tracker", scaler.growthTracker())
                    .put("skipped_steps", scaler.skippedSteps());
        }
        TrainerState.JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve("scheduler.json").toFile(), sched);
        TrainerState.JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve("trainer_state.json").toFile(),
                state.toJson(args, schedule.total(), numEpochs));
        deleteTree(dir);
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        return dir;
    }

    /** Copies the tokenizer files of the model's source folder (so a checkpoint is a usable model folder). */
    static void copyTokenizer(Path from, Path to) throws IOException {
        if (from != null) {
            org.finetune4j.tokenize.Tokenizer.copyFiles(from, to);
        }
    }

    /** Complete checkpoints (renamed into place, with a trainer state), oldest first. */
    static List<Path> list(Path outputDir) throws IOException {
        if (!Files.isDirectory(outputDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(outputDir)) {
            return s.filter(p -> p.getFileName().toString().matches(PREFIX + "\\d+"))
                    .filter(p -> Files.isRegularFile(p.resolve("trainer_state.json")))
                    .sorted(Comparator.comparingInt(Checkpoints::step)).toList();
        }
    }

    static int step(Path checkpoint) {
        return Integer.parseInt(checkpoint.getFileName().toString().substring(PREFIX.length()));
    }

    /** Deletes the oldest checkpoints beyond {@code limit}, never the best one. */
    static void rotate(Path outputDir, Integer limit, String best) throws IOException {
        if (limit == null) {
            return;
        }
        List<Path> all = list(outputDir);
        int excess = all.size() - limit;
        for (Path p : all) {
            if (excess <= 0) {
                break;
            }
            if (best != null && p.toAbsolutePath().normalize().equals(Path.of(best).toAbsolutePath().normalize())) {
                continue;
            }
            deleteTree(p);
            excess--;
        }
    }

    /** Loads model weights, optimizer moments and the trainer state of {@code dir}. */
    static TrainerState restore(Path dir, TransformerModel model, ModelSaver saver, AdamW opt) {
        if (!Files.isRegularFile(dir.resolve("trainer_state.json"))) {
            throw new Finetune4jException(dir + ": not a checkpoint (no trainer_state.json)");
        }
        saver.restore(model, dir);
        Path optFile = dir.resolve("optimizer.safetensors");
        try (SafeTensors st = SafeTensors.open(optFile)) {
            long steps = Long.parseLong(st.metadata().getOrDefault("step", "0"));
            opt.loadState(model.namedParameters(), name -> {
                var info = st.info(name);
                return info == null ? null : Tensors.toTensor(info, st.data(name));
            }, steps);
        }
        return TrainerState.read(dir.resolve("trainer_state.json"));
    }

    /** The fp16 loss scaler as checkpoint {@code dir} left it (a checkpoint of a run without fp16 starts a new one). */
    static LossScaler scaler(Path dir) {
        try {
            JsonNode s = TrainerState.JSON.readTree(dir.resolve("scheduler.json").toFile());
            return !s.has("loss_scale") ? new LossScaler()
                    : new LossScaler(s.get("loss_scale").asDouble(), s.get("growth_tracker").asInt(), s.get("skipped_steps").asInt());
        } catch (IOException e) {
            throw new Finetune4jException(dir.resolve("scheduler.json") + ": " + e.getMessage());
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
