package org.finetune4j.eval;

import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.Batch;
import org.finetune4j.data.Examples;
import org.finetune4j.model.Head;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tokenize.Tokenizer;

/** A fine-tuned sequence classifier folder, ready to evaluate or predict: model, tokenizer, labels, pad id. */
public record Classifier(TransformerModel model, Tokenizer tokenizer, List<String> labels, long padId) implements AutoCloseable {

    /** Loads {@code dir}, which must hold a sequence-classification model and its tokenizer. */
    public static Classifier load(Path dir) {
        Tokenizer tok = Tokenizer.load(dir);
        try {
            return of(Pretrained.loadTrained(dir, Head.SEQUENCE_CLASSIFICATION, TaskModel.NEEDS), tok, dir);
        } catch (RuntimeException e) {
            tok.close();
            throw e;
        }
    }

    /** A loaded classification model (an adapter's on its base, say) with its tokenizer; {@code dir} names it in errors. */
    public static Classifier of(TransformerModel model, Tokenizer tok, Path dir) {
        tok.checkIdsBelow(model.config.vocabSize());
        List<String> labels = model.config.common().labels();
        long pad = tok.special().pad() >= 0 ? tok.special().pad()
                : model.config.common().padTokenId() != null ? model.config.common().padTokenId() : tok.special().eos();
        if (pad < 0) {
            throw new Finetune4jException(dir + ": neither the tokenizer nor config.json names a pad token");
        }
        return new Classifier(model, tok, labels, pad);
    }

    /** The truncation length: {@code requested}, or when 0 the model's positions capped at 512; never past them. */
    public int maxLength(int requested) {
        int positions = model.config.maxPositions();
        if (requested > positions) {
            throw new Finetune4jException("--max-length " + requested + " exceeds the model's " + positions + " positions");
        }
        return requested > 0 ? requested : Math.min(512, positions);
    }

    /** Class probabilities [n][labels] of the examples, computed in batches packed into rows of the batch's longest example. */
    public float[][] probabilities(Examples examples, int batchSize) {
        float[][] out = new float[examples.size()][];
        try (Autograd.Guard noGrad = Autograd.noGrad()) {
            for (int[] indices : org.finetune4j.data.Sampler.sequential(examples.size(), batchSize).batches(0)) {
                Batch b = org.finetune4j.data.Packing.pack(examples.batch(indices, padId), 0, padId, false);
                try (Scope step = Scope.open()) {
                    Tensor logits = model.forward(Batches.inputs(b, model.config.tokenTypes()), Forward.eval()).logits();
                    float[] p = logits.softmax(-1).toFloatArray();
                    int k = labels.size();
                    for (int r = 0; r < indices.length; r++) {
                        out[indices[r]] = java.util.Arrays.copyOfRange(p, r * k, (r + 1) * k);
                    }
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
