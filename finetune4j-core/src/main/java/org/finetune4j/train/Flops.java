package org.finetune4j.train;

import java.util.Map;
import org.finetune4j.model.ModelConfig;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Parameter;

/**
 * Model FLOPs of a step, counting matmuls only: 2 per weight element per token for every matrix
 * that multiplies activations (embedding tables excluded unless tied to an output head), plus
 * the attention products QK^T and PV (4 T d per token per layer); training counts 3 x forward, less
 * the weight gradients of frozen matrices (a LoRA run computes none for its base).
 */
final class Flops {

    private Flops() {}

    static double perStep(TransformerModel model, ModelConfig c, int batch, int seq, boolean forwardOnly) {
        double matmulParams = 0;
        double frozen = 0;
        for (Map.Entry<String, Parameter> e : model.allNamedParameters().entrySet()) {
            Parameter p = e.getValue();
            boolean matrix = p.shape().length == 2;
            boolean table = e.getKey().contains("embed") || e.getKey().endsWith("wte.weight") || e.getKey().endsWith("wpe.weight");
            if (matrix && !table) {
                matmulParams += p.numel();
                frozen += p.trainable() ? 0 : p.numel();
            }
        }
        double tokens = (double) batch * seq;
        double forward = 2 * matmulParams * tokens + 4.0 * c.numLayers() * seq * c.hiddenSize() * tokens;
        // backward: input gradients (one forward's worth) plus weight gradients of the trainable matrices only
        return forwardOnly ? forward : 3 * forward - 2 * frozen * tokens;
    }
}
