package org.finetune4j.serve;

import org.finetune4j.generate.CausalLm;
import org.finetune4j.model.TaskModel;
import org.finetune4j.tokenize.ChatTemplate;

/** What one model id serves: a causal LM (completions and chat) or a sequence classifier (classify). */
sealed interface Served permits Served.Lm, Served.Cls {

    /** The id clients name in {@code model}. */
    String id();

    /** A causal LM; {@code template} is null when it has no chat template and none was chosen. */
    record Lm(String id, CausalLm lm, ChatTemplate template) implements Served {}

    /** A sequence classifier with its label names (id order). */
    record Cls(String id, TaskModel classifier) implements Served {}
}
