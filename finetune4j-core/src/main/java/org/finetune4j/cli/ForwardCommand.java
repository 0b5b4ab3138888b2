package org.finetune4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.finetune4j.Finetune4jException;
import org.finetune4j.eval.ForwardProbe;
import org.finetune4j.eval.InputsJson;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.peft.Adapters;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code finetune4j forward}: what {@code oracle.py} prints for Transformers, computed by Finetune4j. */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = {"Print one forward and backward pass as JSON, to compare with Transformers.",
                "The same fields as the oracle.py script that made the parity goldens (src/test/resources/fixtures/README.md):",
                "logits (start_logits and end_logits for question answering), loss, hidden-state and attention summaries,",
                "gradient norms by Hugging Face name, dropout off; with --train-steps N, the losses of N full-batch AdamW steps.",
                "With --adapter DIR a PEFT LoRA adapter is put on the model and only its parameters train."})
public final class ForwardCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "Hugging Face model folder, or a Hub id (org/name[@revision]).")
    Path modelDir;

    @Mixin
    HubOptions hub;

    @Option(names = "--inputs", required = true, paramLabel = "FILE.json",
            description = "{\"input_ids\": [[...]], \"attention_mask\", \"token_type_ids\", \"labels\"} (or under \"inputs\").")
    Path inputs;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "A PEFT LoRA adapter folder put on the model; its parameters are the trainable ones (PEFT's is_trainable).")
    Path adapter;

    @Option(names = "--train-steps", defaultValue = "0", paramLabel = "N", description = "AdamW steps on the batch (default 0).")
    int trainSteps;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Learning rate (default 1e-3).")
    double lr;

    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW weight decay (default 0.01).")
    double weightDecay;

    @Option(names = "--no-decay-bias-norm", description = "No weight decay on biases and norm weights (Trainer's grouping).")
    boolean noDecayBiasNorm;

    @Mixin
    ThreadsOption threads;

    @Mixin
    DeviceOption device;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for heads absent from the weights (default 0).")
    long seed;

    @Override
    public Integer call() {
        threads.apply();
        device.apply();
        modelDir = hub.model(modelDir);
        if (trainSteps < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--train-steps must be 0 or more");
        }
        var batch = Json.read(inputs);
        try (Scope scope = Scope.open()) {
            TransformerModel model;
            java.util.List<String> notes = java.util.List.of();
            if (adapter == null) {
                Pretrained.Loaded loaded = Pretrained.load(modelDir, null, seed);
                notes = loaded.report().lines();
                model = loaded.model();
            } else {
                model = Adapters.loadWithBase(modelDir, adapter, null, seed, true);
            }
            checkInputs(batch, model.config);
            ForwardProbe.TrainSettings train = new ForwardProbe.TrainSettings(trainSteps, lr, weightDecay, noDecayBiasNorm);
            ObjectNode res;
            try {
                res = ForwardProbe.run(model, batch, train);
            } catch (Finetune4jException e) {
                throw e;
            } catch (RuntimeException e) { // shapes libtorch refuses: a mask of another length, labels out of range ...
                throw new Finetune4jException(inputs + ": the model cannot run on these inputs: "
                        + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e);
            }
            spec.commandLine().getOut().println(Json.pretty(res));
            notes.forEach(spec.commandLine().getErr()::println); // stdout is the JSON; after it, so an error stays one line
            spec.commandLine().getErr().flush();
        }
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** Reads the batch so that its errors name the file; ids below vocab_size, rows within the model's positions. */
    private void checkInputs(JsonNode batch, org.finetune4j.model.ModelConfig config) {
        int vocab = config.vocabSize();
        try (Scope scope = Scope.open()) {
            Tensor ids;
            try {
                ids = InputsJson.read(batch).inputIds(); // [B, T]
            } catch (Finetune4jException e) {
                throw new Finetune4jException(inputs + ": " + e.getMessage(), e);
            }
            if (ids.numel() == 0) {
                return;
            }
            long length = ids.size(1);
            if (length > config.maxPositions()) {
                throw new Finetune4jException(inputs + ": rows of " + length + " tokens exceed the model's "
                        + config.maxPositions() + " positions");
            }
            long lo = ids.min().longItem();
            long hi = ids.max().longItem();
            if (lo < 0 || hi >= vocab) {
                throw new Finetune4jException(inputs + ": input_ids hold " + (lo < 0 ? lo : hi)
                        + ", outside 0.." + (vocab - 1) + " (the model's vocab_size " + vocab + ")");
            }
        }
    }
}
