package org.finetune4j.data;

import java.util.Objects;

/** The columns of a text classification file: the text, the optional second text (null), the label. */
public record TextColumns(String text, String pair, String label) {

    public TextColumns {
        Objects.requireNonNull(text, "text column");
        Objects.requireNonNull(label, "label column");
    }

    /** A single-text layout, e.g. {@code ("sentence", "label")} for SST-2. */
    public static TextColumns single(String text, String label) {
        return new TextColumns(text, null, label);
    }
}
