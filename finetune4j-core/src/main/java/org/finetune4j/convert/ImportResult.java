package org.finetune4j.convert;

import java.util.List;
import java.util.Map;

/**
 * What an import wrote: the architecture and sizes, the head count, the tensors written, what was skipped
 * (kind to count) and lines about the config and tokenizer.
 */
public record ImportResult(String architecture, BertShape shape, int heads, int tensors, Map<String, Integer> skipped,
                           List<String> notes) {

    /** The summary the import commands print. */
    public List<String> lines() {
        StringBuilder skip = new StringBuilder();
        skipped.forEach((k, v) -> skip.append(skip.length() == 0 ? ", skipped: " : ", ").append(v).append(' ').append(k));
        List<String> out = new java.util.ArrayList<>();
        out.add(architecture + ": " + shape.describe(heads));
        out.add("tensors: " + tensors + " written" + skip);
        out.addAll(notes);
        return out;
    }
}
