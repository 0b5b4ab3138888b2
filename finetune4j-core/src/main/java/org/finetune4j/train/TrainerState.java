package org.finetune4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Finetune4jException;

/** What trainer_state.json holds, with Transformers' keys: progress, log history, the best checkpoint. */
public final class TrainerState {

    static final ObjectMapper JSON = org.finetune4j.io.Json.MAPPER;

    int globalStep;
    double epoch;
    final List<ObjectNode> logHistory = new ArrayList<>();
    Double bestMetric;
    String bestModelCheckpoint;
    Integer bestGlobalStep;
    int patienceCounter;

    /** The trainer_state.json document. */
    ObjectNode toJson(TrainingArguments a, int maxSteps, int numEpochs) {
        ObjectNode o = JSON.createObjectNode();
        o.put("best_global_step", bestGlobalStep);
        o.put("best_metric", bestMetric);
        o.put("best_model_checkpoint", bestModelCheckpoint);
        o.put("epoch", epoch);
        o.put("eval_steps", a.evalSteps());
        o.put("global_step", globalStep);
        o.put("is_hyper_param_search", false);
        o.put("is_local_process_zero", true);
        o.put("is_world_process_zero", true);
        o.putArray("log_history").addAll(logHistory);
        o.put("logging_steps", a.loggingSteps());
        o.put("max_steps", maxSteps);
        o.put("num_input_tokens_seen", 0);
        o.put("num_train_epochs", numEpochs);
        o.put("save_steps", a.saveSteps());
        ObjectNode callbacks = o.putObject("stateful_callbacks");
        if (a.earlyStoppingPatience() != null) {
            ObjectNode es = callbacks.putObject("EarlyStoppingCallback");
            es.putObject("args").put("early_stopping_patience", a.earlyStoppingPatience())
                    .put("early_stopping_threshold", a.earlyStoppingThreshold());
            es.putObject("attributes").put("early_stopping_patience_counter", patienceCounter);
        }
        o.put("total_flos", 0);
        o.put("train_batch_size", a.perDeviceTrainBatchSize());
        o.putNull("trial_name");
        o.putNull("trial_params");
        return o;
    }

    static TrainerState read(Path file) {
        JsonNode o;
        try {
            o = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new Finetune4jException(file + ": cannot read the trainer state (" + e.getClass().getSimpleName() + ")");
        }
        if (o == null || !o.path("global_step").isInt() || !o.path("log_history").isArray()) {
            throw new Finetune4jException(file + ": not a trainer state (needs global_step and log_history)");
        }
        TrainerState s = new TrainerState();
        s.globalStep = o.get("global_step").asInt();
        s.epoch = o.path("epoch").asDouble();
        o.get("log_history").forEach(e -> s.logHistory.add((ObjectNode) e));
        s.bestMetric = o.path("best_metric").isNumber() ? o.get("best_metric").asDouble() : null;
        s.bestModelCheckpoint = o.path("best_model_checkpoint").isTextual() ? o.get("best_model_checkpoint").asText() : null;
        s.bestGlobalStep = o.path("best_global_step").isInt() ? o.get("best_global_step").asInt() : null;
        s.patienceCounter = o.path("stateful_callbacks").path("EarlyStoppingCallback").path("attributes")
                .path("early_stopping_patience_counter").asInt(0);
        return s;
    }
}
