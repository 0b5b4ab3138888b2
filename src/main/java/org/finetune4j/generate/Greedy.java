package org.finetune4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.model.Head;
import org.finetune4j.model.Inputs;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Ops;

/**
 * Greedy decoding with a plain loop: each step runs the whole sequence and appends the argmax of
 * the last position, stopping after {@code maxNewTokens} or at the end-of-sequence id.
 */
public final class Greedy {

    private Greedy() {}

    /** The new token ids (the prompt not included); {@code eos} < 0 means never stop early. */
    public static List<Long> generate(TransformerModel model, long[] prompt, int maxNewTokens, long eos, NDManager manager) {
        if (model.head != Head.CAUSAL_LM) {
            throw new IllegalArgumentException("greedy decoding needs a causal LM head, not " + model.head);
        }
        List<Long> seq = new ArrayList<>();
        for (long id : prompt) {
            seq.add(id);
        }
        List<Long> out = new ArrayList<>();
        boolean gradMode = Ops.gradMode();
        Ops.setGradMode(false);
        try {
            for (int i = 0; i < maxNewTokens; i++) {
                long next = nextToken(model, seq, manager);
                out.add(next);
                seq.add(next);
                if (next == eos) {
                    break;
                }
            }
        } finally {
            Ops.setGradMode(gradMode);
        }
        return out;
    }

    private static long nextToken(TransformerModel model, List<Long> seq, NDManager manager) {
        try (NDManager step = manager.newSubManager()) {
            long[] ids = seq.stream().mapToLong(Long::longValue).toArray();
            NDArray input = step.create(ids, new Shape(1, ids.length)); // [1, T]
            NDArray logits = model.forward(Inputs.of(input, null), Forward.eval()).logits(); // [1, T, V]
            return logits.get("0, -1, :").argMax().getLong();
        }
    }
}
