package org.finetune4j.model;

import org.finetune4j.Finetune4jException;

/** The task heads, named by the suffix of Transformers' class names. */
public enum Head {
    SEQUENCE_CLASSIFICATION("ForSequenceClassification"),
    TOKEN_CLASSIFICATION("ForTokenClassification"),
    QUESTION_ANSWERING("ForQuestionAnswering"),
    MASKED_LM("ForMaskedLM"),
    PRETRAINING("ForPreTraining"),
    CAUSAL_LM("ForCausalLM"),
    BASE("Model");

    public final String suffix;

    Head(String suffix) {
        this.suffix = suffix;
    }

    /** The head of a Transformers class name such as BertForMaskedLM or GPT2LMHeadModel. */
    public static Head ofClassName(String cls) {
        if (cls.endsWith("LMHeadModel")) {
            return CAUSAL_LM;
        }
        for (Head h : values()) {
            if (h != BASE && cls.endsWith(h.suffix)) {
                return h;
            }
        }
        if (cls.endsWith("Model")) {
            return BASE;
        }
        throw new Finetune4jException("unsupported architecture class '" + cls + "'");
    }

    /** The head the folder's config names in {@code architectures[0]}, or BASE when none. */
    public static Head of(ModelConfig c) {
        return c.common().architectures().isEmpty() ? BASE : ofClassName(c.common().architectures().get(0));
    }

    /** Parses a CLI or recipe spelling such as sequence-classification or causal-lm. */
    public static Head parse(String s) {
        String norm = s.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        for (Head h : values()) {
            if (h.name().equals(norm)) {
                return h;
            }
        }
        throw new Finetune4jException("unknown head '" + s + "' (supported: sequence-classification, "
                + "token-classification, question-answering, masked-lm, pretraining, causal-lm, base)");
    }
}
