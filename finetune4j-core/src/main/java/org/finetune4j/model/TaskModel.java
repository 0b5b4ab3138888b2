package org.finetune4j.model;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.finetune4j.Finetune4jException;
import org.finetune4j.tokenize.Tokenizer;

/**
 * A fine-tuned model folder, loaded one way for whatever uses it (eval, predict, generate, serve): the model with the
 * head its config.json names (architectures[0]) and trained weights for it, its tokenizer (ids checked against the
 * vocabulary), labels (id order) and the pad id of the one pad rule ({@link org.finetune4j.tokenize.SpecialTokens#padId}).
 */
public record TaskModel(TransformerModel model, Tokenizer tokenizer, Head head, List<String> labels, long padId)
        implements AutoCloseable {

    /** What eval and predict take, said when a folder is not it. */
    public static final String NEEDS = "eval and predict take the output_dir of a train run with task"
            + " sequence-classification, token-classification or question-answering";

    /** Loads {@code dir} with the head its config names; its config must name an architecture. */
    public static TaskModel load(Path dir) {
        return load(dir, null, NEEDS);
    }

    /** Loads {@code dir}, which must hold {@code head} (null: the config's) with trained weights; {@code use} says what a command takes. */
    public static TaskModel load(Path dir, Head head, String use) {
        return open(dir, () -> Pretrained.loadTrained(dir, head, use), dir);
    }

    /** The model {@code model} makes with the tokenizer of {@code tokenizerDir} (an adapter's base, say); {@code name} names it in errors. */
    public static TaskModel open(Path tokenizerDir, Supplier<TransformerModel> model, Path name) {
        Tokenizer tok = Tokenizer.load(tokenizerDir);
        try {
            TransformerModel m = model.get();
            tok.checkIdsBelow(m.config.vocabSize());
            CommonConfig c = m.config.common();
            Head head = Head.of(m.config);
            long pad = tok.special().padId(c.eosTokenId(), c.padTokenId());
            if (pad < 0 && head != Head.CAUSAL_LM) {
                throw new Finetune4jException(name + ": neither the tokenizer nor config.json names a pad or EOS token");
            }
            return new TaskModel(m, tok, head, c.labels(), pad);
        } catch (RuntimeException e) {
            tok.close();
            throw e;
        }
    }

    /**
     * The task head of the folder's config.json, without loading weights; a folder without one (a masked
     * or causal LM, a base model) is refused, saying which folder to give instead.
     */
    public static Head headOf(Path dir) {
        ModelConfig c = ModelConfig.read(dir);
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
