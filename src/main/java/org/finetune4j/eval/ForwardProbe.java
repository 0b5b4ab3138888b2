package org.finetune4j.eval;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.finetune4j.model.Head;
import org.finetune4j.model.Inputs;
import org.finetune4j.model.Output;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Ops;
import org.finetune4j.train.AdamW;

/**
 * What the reference oracle prints for a model and a batch: logits, loss, hidden-state and
 * attention summaries, per-parameter gradient norms and, optionally, N AdamW steps on the batch.
 * Dropout is off (the forward runs with training = false, which is all train mode changes here).
 */
public final class ForwardProbe {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** The AdamW settings of the oracle's training loop. */
    public record TrainSettings(int steps, double lr, double weightDecay, boolean noDecayBiasNorm) {}

    private ForwardProbe() {}

    /** Runs the probe; {@code batch} holds input_ids etc. (or has them under "inputs"). */
    public static ObjectNode run(TransformerModel model, JsonNode batch, TrainSettings train, NDManager manager) {
        ObjectNode res = JSON.objectNode();
        res.put("model_class", model.className());
        Map<String, Parameter> params = model.namedParameters();
        res.put("num_parameters", params.values().stream().mapToLong(Parameter::numel).sum());
        res.put("num_trainable_parameters", params.values().stream().filter(Parameter::trainable).mapToLong(Parameter::numel).sum());
        try (NDManager scope = manager.newSubManager()) {
            Inputs in = InputsJson.read(batch, scope);
            forwardBackward(model, in, res, scope);
            if (train != null && train.steps() > 0) {
                res.set("train", train(model, in, train, scope));
            }
        }
        return res;
    }

    private static void forwardBackward(TransformerModel model, Inputs in, ObjectNode res, NDManager scope) {
        Forward f = new Forward(false, true, true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            zeroGrads(model);
            Output out = model.forward(in, f);
            res.set("logits_shape", Summary.longs(out.logits().getShape().getShape()));
            if (model.head == Head.QUESTION_ANSWERING) { // Transformers' names: start_logits, end_logits [B, T]
                res.set("start_logits", Summary.nested(out.startLogits()));
                res.set("end_logits", Summary.nested(out.endLogits()));
            } else {
                res.set("logits", Summary.nested(out.logits()));
            }
            res.set("hidden_states", JSON.arrayNode().addAll(f.hiddenStates.stream().map(Summary::hidden).toList()));
            res.set("attentions", JSON.arrayNode().addAll(f.attentions.stream().map(Summary::attention).toList()));
            if (out.loss() == null) {
                return;
            }
            res.put("loss", out.loss().getFloat());
            gc.backward(out.loss());
        }
        ObjectNode norms = res.putObject("grad_norms");
        double total = 0;
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            if (e.getValue().trainable()) {
                double n = norm(Ops.gradient(e.getValue().data(), scope));
                norms.put(e.getKey(), (float) n);
                total += n * n;
            }
        }
        res.put("grad_global_norm", (float) Math.sqrt(total));
    }

    private static ObjectNode train(TransformerModel model, Inputs in, TrainSettings s, NDManager scope) {
        ObjectNode t = JSON.objectNode();
        List<Float> before = new java.util.ArrayList<>();
        try (AdamW opt = new AdamW(AdamW.groups(model.namedParameters(), s.weightDecay(), s.noDecayBiasNorm()),
                0.9, 0.999, 1e-8, scope)) {
            for (int i = 0; i < s.steps(); i++) {
                try (NDManager step = scope.newSubManager()) {
                    opt.zeroGrad();
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = model.forward(in, Forward.eval()).loss();
                        before.add(loss.getFloat());
                        gc.backward(loss);
                    }
                    opt.step(s.lr());
                }
            }
        }
        float last;
        try (NDManager step = scope.newSubManager()) {
            last = model.forward(in, Forward.eval()).loss().getFloat();
        }
        t.put("lr", s.lr());
        t.put("weight_decay", s.weightDecay());
        t.put("weight_decay_on_bias_and_norm", !s.noDecayBiasNorm());
        t.put("steps", s.steps());
        t.set("loss_before_step", Summary.floats(before));
        List<Float> after = new java.util.ArrayList<>(before.subList(1, before.size()));
        after.add(last);
        t.set("loss_after_step", Summary.floats(after));
        ObjectNode norms = t.putObject("param_norms_after");
        model.namedParameters().forEach((name, p) -> {
            if (p.trainable()) {
                norms.put(name, (float) norm(p.data()));
            }
        });
        return t;
    }

    private static void zeroGrads(TransformerModel model) {
        for (Parameter p : model.namedParameters().values()) {
            if (p.trainable()) {
                p.dropGradient();
            }
        }
    }

    private static double norm(NDArray a) {
        double s = 0;
        for (float v : a.toFloatArray()) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }
}
