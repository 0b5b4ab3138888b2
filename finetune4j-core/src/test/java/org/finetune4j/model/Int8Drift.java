package org.finetune4j.model;

import java.nio.file.Path;
import java.util.Random;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Torch;
import org.finetune4j.train.Memory;

/**
 * The logits' drift of load_in_8bit against float32 on a model folder (not a unit test: run by
 * scripts/int8-memory-story.sh on a 1.3B model that `init` wrote): the same random batch through
 * the float32 model, then, after closing it, through the 8-bit one; prints ||a - b|| / ||a||, the
 * largest element difference and how often the arg-max token agrees.
 */
public final class Int8Drift {

    private Int8Drift() {}

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int seq = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        float[] a = logits(dir, false, batch, seq);
        float[] b = logits(dir, true, batch, seq);
        double num = 0;
        double den = 0;
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (double) (a[i] - b[i]);
            den += a[i] * (double) a[i];
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        int vocab = a.length / (batch * seq);
        int same = 0;
        for (int r = 0; r < batch * seq; r++) {
            same += argmax(a, r * vocab, vocab) == argmax(b, r * vocab, vocab) ? 1 : 0;
        }
        System.out.printf("relative drift ||a-b||/||a|| %.3e, max |a-b| %.3e (max |a| %.3e), arg-max agrees at %d of %d positions%n",
                Math.sqrt(num / den), max, maxAbs(a), same, batch * seq);
    }

    private static float[] logits(Path dir, boolean int8, int batch, int seq) {
        try (Scope scope = Scope.open()) {
            TransformerModel m = Pretrained.load(dir, ModelConfig.read(dir), null, 0, int8).model();
            Random rng = new Random(1);
            long[] ids = new long[batch * seq];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = rng.nextInt(m.config.vocabSize());
            }
            try (Scope step = Scope.open(); Autograd.Guard off = Autograd.noGrad()) {
                Inputs in = Inputs.of(Torch.tensor(ids, batch, seq), Torch.ones(DType.I64, batch, seq));
                float[] out = m.forward(in, Forward.eval()).logits().toFloatArray();
                System.out.printf("%s: logits of %d x %d, peak RSS so far %.0f MiB%n", int8 ? "8-bit" : "float32", batch, seq,
                        Memory.peakRssBytes() / 1048576.0);
                return out;
            }
        }
    }

    private static int argmax(float[] x, int from, int n) {
        int best = from;
        for (int i = from; i < from + n; i++) {
            best = x[i] > x[best] ? i : best;
        }
        return best - from;
    }

    private static double maxAbs(float[] x) {
        double m = 0;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
