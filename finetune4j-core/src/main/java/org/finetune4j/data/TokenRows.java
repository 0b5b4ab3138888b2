package org.finetune4j.data;

import java.util.Arrays;

/** A dataset whose examples are unpadded rows of token ids, {@code ids()[i]}: its size and lengths follow from them. */
public interface TokenRows extends Dataset {

    /** The token ids of each example, unpadded. */
    long[][] ids();

    @Override
    default int size() {
        return ids().length;
    }

    @Override
    default int[] lengths() {
        return Arrays.stream(ids()).mapToInt(row -> row.length).toArray();
    }
}
