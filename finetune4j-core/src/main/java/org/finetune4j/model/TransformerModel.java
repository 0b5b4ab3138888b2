package org.finetune4j.model;

import java.util.Set;
import org.finetune4j.Finetune4jException;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Module;

/**
 * A Transformers "XForY" class: a backbone under its HF prefix plus one head. Parameter paths
 * equal the keys {@code save_pretrained} writes for that class.
 */
public abstract class TransformerModel extends Module {

    public final ModelConfig config;
    public final Head head;

    protected TransformerModel(ModelConfig config, Head head) {
        this.config = config;
        this.head = head;
        if (!heads().contains(head)) {
            String has = String.join(", ", heads().stream().sorted().map(TransformerModel::spelling).toList());
            throw new Finetune4jException(config.common().modelType() + " has no " + spelling(head)
                    + " head (it has: " + has + ")");
        }
    }

    /** A head as the CLI spells it: causal-lm, sequence-classification ... */
    private static String spelling(Head h) {
        return h.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /**
     * Runs the backbone and the head; the loss is computed when the inputs carry labels. {@code f} is
     * the thread's current pass meanwhile ({@link Forward#current}), so layers without a Forward
     * argument (LoRA dropout) see the train flag.
     */
    public final Output forward(Inputs in, Forward f) {
        try (Forward.Scope s = f.enter()) {
            return compute(in, f);
        }
    }

    /** The architecture's forward pass (called through {@link #forward}). */
    protected abstract Output compute(Inputs in, Forward f);

    /** The heads this architecture offers. */
    public abstract Set<Head> heads();

    /** The backbone's key prefix ("bert.", "transformer.", "model.decoder." ...). */
    public abstract String basePrefix();

    /**
     * Whether a parameter is the head's, which a checkpoint saved with another head lacks (Transformers
     * initialises it); the rest is the backbone, which a checkpoint of this model must hold.
     */
    public boolean headParameter(String name) {
        return !name.startsWith(basePrefix());
    }

    /** The Transformers class name, written to config.json's architectures. */
    public abstract String className();

    /** Builds the module tree (no data yet) for a config and head. */
    public static TransformerModel create(ModelConfig config, Head head) {
        if (config instanceof BertConfig c) {
            return new Bert(c, head);
        } else if (config instanceof DistilBertConfig c) {
            return new DistilBert(c, head);
        } else if (config instanceof Gpt2Config c) {
            return new Gpt2(c, head);
        } else if (config instanceof OptConfig c) {
            return new Opt(c, head);
        } else if (config instanceof LlamaConfig c) {
            return new Llama(c, head);
        }
        throw new Finetune4jException(config.common().modelType() + " is not wired yet");
    }
}
