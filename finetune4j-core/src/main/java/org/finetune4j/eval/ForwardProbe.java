package org.finetune4j.eval;

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
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.train.AdamW;

/**
 * What the parity goldens hold for a model and a batch (src/test/resources/fixtures/README.md), as
 * {@code forward} prints it: logits, loss, hidden-state and attention summaries, per-parameter
 * gradient norms and, optionally, N AdamW steps on the batch.
 * Dropout is off (the forward runs with training = false, which is all train mode changes here).
 */
public final class ForwardProbe {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** The AdamW settings of the oracle's training loop. */
    public record TrainSettings(int steps, double lr, double weightDecay, boolean noDecayBiasNorm) {}

    private ForwardProbe() {}

    /** Runs the probe; {@code batch} holds input_ids etc. (or has them under "inputs"). */
    public static ObjectNode run(TransformerModel model, JsonNode batch, TrainSettings train) {
        ObjectNode res = JSON.objectNode();
        res.put("model_class", model.className());
        Map<String, Parameter> params = model.namedParameters();
        res.put("num_parameters", params.values().stream().mapToLong(Parameter::numel).sum());
        res.put("num_trainable_parameters", params.values().stream().filter(Parameter::trainable).mapToLong(Parameter::numel).sum());
        try (Scope scope = Scope.open()) {
            Inputs in = InputsJson.read(batch);
            forwardBackward(model, in, res);
            if (train != null && train.steps() > 0) {
                res.set("train", train(model, in, train));
            }
        }
        return res;
    }

    private static void forwardBackward(TransformerModel model, Inputs in, ObjectNode res) {
        Forward f = new Forward(false, true, true);
        try (Autograd.Guard grad = Autograd.enableGrad()) {
            zeroGrads(model);
            Output out = model.forward(in, f);
            res.set("logits_shape", Summary.longs((model.head == Head.QUESTION_ANSWERING ? out.startLogits() : out.logits()).shape()));
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
            res.put("loss", out.loss().item());
            out.loss().backward();
        }
        ObjectNode norms = res.putObject("grad_norms");
        double total = 0;
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            if (e.getValue().trainable()) {
                Tensor g = e.getValue().grad();
                double n = g == null ? 0 : norm(g);
                norms.put(e.getKey(), (float) n);
                total += n * n;
            }
        }
        res.put("grad_global_norm", (float) Math.sqrt(total));
    }

    private static ObjectNode train(TransformerModel model, Inputs in, TrainSettings s) {
        ObjectNode t = JSON.objectNode();
        List<Float> before = new java.util.ArrayList<>();
        try (AdamW opt = new AdamW(AdamW.groups(model.namedParameters(), s.weightDecay(), s.noDecayBiasNorm()),
                0.9, 0.999, 1e-8)) {
            for (int i = 0; i < s.steps(); i++) {
                try (Scope step = Scope.open()) {
                    opt.zeroGrad();
                    try (Autograd.Guard grad = Autograd.enableGrad()) {
                        Tensor loss = model.forward(in, Forward.eval()).loss();
                        before.add((float) loss.item());
                        loss.backward();
                    }
                    opt.step(s.lr());
                }
            }
        }
        float last;
        try (Scope step = Scope.open(); Autograd.Guard off = Autograd.noGrad()) {
            last = (float) model.forward(in, Forward.eval()).loss().item();
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

    private static double norm(Tensor a) {
        double s = 0;
        for (float v : a.toFloatArray()) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }
}
