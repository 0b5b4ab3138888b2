package org.finetune4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Arrays;
import org.finetune4j.Fixtures;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Ops;

/**
 * Acceptance check on the real stories260K Llama (not a unit test: the assets are never committed):
 * greedy decoding from BOS, one full forward per token, must give reference_greedy.json's ids.
 * Run by scripts/acceptance-stories260k.sh; exits 1 on a mismatch.
 */
public final class StoriesAcceptance {

    private StoriesAcceptance() {}

    public static void main(String[] args) {
        Path dir = Path.of(args.length > 0 ? args[0] : "../shared/assets/models/stories260K");
        JsonNode ref = Fixtures.json(dir.resolve("reference_greedy.json")).get("tokens");
        long[] expected = new long[ref.size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = ref.get(i).asLong();
        }
        long[] got;
        try (NDManager manager = NDManager.newBaseManager()) {
            Pretrained.Loaded loaded = Pretrained.load(dir, null, manager, 0);
            System.out.println("loaded " + loaded.model().className() + " from " + dir);
            loaded.report().lines().forEach(System.out::println);
            if (!loaded.report().newlyInitialised().isEmpty()) {
                System.out.println("FAIL: weights missing from the checkpoint");
                System.exit(1);
            }
            got = greedy(loaded.model(), expected[0], expected.length, manager);
        }
        int first = firstMismatch(expected, got);
        if (first >= 0) {
            System.out.println("FAIL: first mismatch at position " + first + ": expected " + expected[first]
                    + ", got " + got[first] + "\n  got " + Arrays.toString(got));
            System.exit(1);
        }
        System.out.println("OK: " + (got.length - 1) + " greedy tokens after BOS match reference_greedy.json");
    }

    /** Plain greedy loop: the whole sequence through the model each step, argmax of the last position. */
    static long[] greedy(TransformerModel model, long bos, int length, NDManager manager) {
        long[] ids = new long[length];
        ids[0] = bos;
        boolean gradMode = Ops.gradMode();
        Ops.setGradMode(false);
        try {
            for (int n = 1; n < length; n++) {
                try (NDManager step = manager.newSubManager()) {
                    NDArray in = step.create(Arrays.copyOf(ids, n)).reshape(1, n); // [1, T]
                    NDArray logits = model.forward(Inputs.of(in, in.onesLike()), Forward.eval()).logits(); // [1, T, V]
                    ids[n] = logits.get("0, -1").argMax().getLong();
                }
            }
        } finally {
            Ops.setGradMode(gradMode);
        }
        return ids;
    }

    private static int firstMismatch(long[] expected, long[] got) {
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != got[i]) {
                return i;
            }
        }
        return -1;
    }
}
