package org.finetune4j.eval;

import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.model.Head;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tokenize.Tokenizer;

/**
 * A fine-tuned model folder with the head its config.json names (architectures[0]), its tokenizer,
 * labels (id order) and pad id: what eval and predict need whatever the task.
 */
public record TaskModel(TransformerModel model, Tokenizer tokenizer, Head head, List<String> labels, long padId)
        implements AutoCloseable {

    /** Loads {@code dir}; its config must name an architecture. */
    public static TaskModel load(Path dir) {
        Tokenizer tok = Tokenizer.load(dir);
        try {
            TransformerModel model = Pretrained.loadTrained(dir, null, NEEDS);
            tok.checkIdsBelow(model.config.vocabSize());
            Head head = Head.of(model.config);
            long pad = tok.special().pad() >= 0 ? tok.special().pad()
                    : model.config.common().padTokenId() != null ? model.config.common().padTokenId() : tok.special().eos();
            return new TaskModel(model, tok, head, model.config.common().labels(), pad);
        } catch (RuntimeException e) {
            tok.close();
            throw e;
        }
    }

    /** What eval and predict take, said when a folder is not it. */
    public static final String NEEDS = "eval and predict take the output_dir of a train run with task"
            + " sequence-classification, token-classification or question-answering";

    /**
     * The task head of the folder's config.json, without loading weights; a folder without one (a masked
     * or causal LM, a base model) is refused, saying which folder to give instead.
     */
    public static Head headOf(Path dir) {
        org.finetune4j.model.ModelConfig c = org.finetune4j.model.ModelConfig.read(dir);
        Head head = Head.of(c);
        if (head != Head.SEQUENCE_CLASSIFICATION && head != Head.TOKEN_CLASSIFICATION && head != Head.QUESTION_ANSWERING) {
            String cls = c.common().architectures().isEmpty() ? "a model without 'architectures' (a base model)"
                    : "a " + c.common().architectures().get(0);
            throw new Finetune4jException(dir + ": holds " + cls + ", which has no trained task head; " + NEEDS
                    + " (fine-tune this folder first: a recipe with model.path " + dir + ")");
        }
        return head;
    }

    /** {@code requested}, or when 0 the model's positions capped at 512; never past them. */
    public int maxLength(int requested) {
        int positions = model.config.maxPositions();
        if (requested > positions) {
            throw new Finetune4jException("--max-length " + requested + " exceeds the model's " + positions + " positions");
        }
        return requested > 0 ? requested : Math.min(512, positions);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
