package org.finetune4j.model;

import java.util.List;

/** What loading found: parameters freshly initialised (absent from the file) and file keys no parameter took. */
public record LoadReport(List<String> newlyInitialised, List<String> unexpected) {

    /** The lines Transformers prints, or nothing when everything matched. */
    public List<String> lines() {
        List<String> out = new java.util.ArrayList<>();
        if (!newlyInitialised.isEmpty()) {
            out.add("newly initialised: " + String.join(", ", newlyInitialised));
        }
        if (!unexpected.isEmpty()) {
            out.add("unused weights in the checkpoint: " + String.join(", ", unexpected));
        }
        return out;
    }
}
