package org.finetune4j.model;

import java.util.List;

/**
 * What loading found: parameters freshly initialised (absent from the file), file keys no parameter took,
 * and how many tensors loaded.
 */
public record LoadReport(List<String> newlyInitialised, List<String> unexpected, int loaded) {

    /** At most this many names in a line; the rest are counted. */
    static final int NAMES = 6;

    /** One line for the new head and one for unused keys (as Transformers warns), or nothing when everything matched. */
    public List<String> lines() {
        List<String> out = new java.util.ArrayList<>();
        if (!newlyInitialised.isEmpty()) {
            out.add("newly initialised (not in the checkpoint): " + names(newlyInitialised));
        }
        if (!unexpected.isEmpty()) {
            out.add("unused weights in the checkpoint: " + names(unexpected));
        }
        return out;
    }

    /** The first {@link #NAMES} names, then how many more. */
    static String names(List<String> all) {
        String shown = String.join(", ", all.subList(0, Math.min(NAMES, all.size())));
        return all.size() > NAMES ? shown + " and " + (all.size() - NAMES) + " more" : shown;
    }
}
