package org.finetune4j.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.data.Batch;
import org.finetune4j.data.Sampler;
import org.finetune4j.data.TagScheme;
import org.finetune4j.data.TokenClassificationData;
import org.finetune4j.model.Output;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.Scope;

/**
 * Token-classification evaluation as run_ner computes it: the loss, then seqeval over the tags of
 * the labelled tokens (the first piece of each word, or every piece with label_all_tokens), with
 * run_ner's names (eval_precision, eval_recall, eval_f1, eval_accuracy) and per entity type.
 */
public final class TokenEvaluator {

    private TokenEvaluator() {}

    /** Gold and predicted tags of the labelled tokens, one list a sentence, and the row-weighted mean loss. */
    public record Tags(List<List<String>> gold, List<List<String>> predicted, double loss) {}

    /** Metrics with {@code prefix} (eval), plus runtime and throughput. */
    public static Map<String, Double> evaluate(TransformerModel model, TokenClassificationData data, List<String> labels,
            boolean strict, TagScheme scheme, int batchSize, long padId) {
        long t0 = System.nanoTime();
        Tags tags = predict(model, data, labels, batchSize, padId);
        Seqeval.Report report = Seqeval.evaluate(tags.gold(), tags.predicted(), strict, scheme);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("eval_loss", tags.loss());
        m.putAll(report.asMap("eval"));
        m.put("eval_runtime", Math.round(seconds * 1e4) / 1e4);
        m.put("eval_samples_per_second", Math.round(data.size() / seconds * 1e3) / 1e3);
        m.put("eval_steps_per_second", Math.round(Math.ceil(data.size() / (double) batchSize) / seconds * 1e3) / 1e3);
        return m;
    }

    /** Runs the model without gradients and reads the argmax tag of every labelled token. */
    public static Tags predict(TransformerModel model, TokenClassificationData data, List<String> labels, int batchSize,
            long padId) {
        List<List<String>> gold = new ArrayList<>();
        List<List<String>> predicted = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            gold.add(null);
            predicted.add(null);
        }
        double lossSum = 0;
        try (Autograd.Guard noGrad = Autograd.noGrad()) {
            for (int[] indices : Sampler.sequential(data.size(), batchSize).batches(0)) {
                Batch b = data.batch(indices, padId);
                try (Scope step = Scope.open()) {
                    Output out = model.forward(Batches.inputs(b, model.config.tokenTypes()), Forward.eval());
                    float loss = (float) out.loss().item();
                    lossSum += Float.isNaN(loss) ? 0 : loss * b.size();
                    long[] argmax = out.logits().argmax(-1).toLongArray(); // [B * T]
                    int t = b.length();
                    for (int r = 0; r < indices.length; r++) {
                        List<String> g = new ArrayList<>();
                        List<String> p = new ArrayList<>();
                        long[] y = b.tokenLabels()[r];
                        for (int k = 0; k < t; k++) {
                            if (y[k] != -100) {
                                g.add(labels.get((int) y[k]));
                                p.add(labels.get((int) argmax[r * t + k]));
                            }
                        }
                        gold.set(indices[r], g);
                        predicted.set(indices[r], p);
                    }
                }
            }
        }
        return new Tags(gold, predicted, lossSum / data.size());
    }
}
