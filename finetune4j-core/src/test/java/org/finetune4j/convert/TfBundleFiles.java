package org.finetune4j.convert;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small hand-made checkpoints for the command tests: the least a BERT needs for its sizes, plus one odd tensor. */
public final class TfBundleFiles {

    private TfBundleFiles() {}

    /**
     * Writes PREFIX.index and one shard: BERT embeddings (vocab 10, hidden 4) and layer 0's feed-forward
     * bias, plus {@code extra} (when not null) as a [2, 4] tensor of TensorFlow dtype {@code extraDtype};
     * {@code compression} is the data block's compression byte.
     */
    public static void write(Path prefix, int compression, String extra, int extraDtype) throws IOException {
        List<TfBundleWriter.T> t = new ArrayList<>();
        t.add(TfBundleWriter.T.f32("bert/embeddings/word_embeddings", 10, 4));
        t.add(TfBundleWriter.T.f32("bert/embeddings/position_embeddings", 8, 4));
        t.add(TfBundleWriter.T.f32("bert/embeddings/token_type_embeddings", 2, 4));
        t.add(TfBundleWriter.T.f32("bert/encoder/layer_0/intermediate/dense/bias", 8));
        if (extra != null) {
            t.removeIf(x -> x.name().equals(extra));
            t.add(new TfBundleWriter.T(extra, extraDtype, new long[] {2, 4}, 0, new byte[32]));
        }
        TfBundleWriter.write(prefix, 1, t, compression);
    }
}
