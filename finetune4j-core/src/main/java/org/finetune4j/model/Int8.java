package org.finetune4j.model;

import java.util.IdentityHashMap;
import java.util.Map;
import org.finetune4j.io.WeightFiles;
import org.finetune4j.nn.Conv1D;
import org.finetune4j.nn.Int8Weight;
import org.finetune4j.nn.Linear;
import org.finetune4j.nn.Module;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Scope;

/**
 * {@code load_in_8bit}: which weights are held as int8 ({@link Int8Weight}) and how they get there.
 * The targets are the weights of the backbone's Linear and Conv1D layers, as Transformers' bitsandbytes
 * integration converts them; embeddings, norms, biases and the head stay float32. Loading reads
 * each target tensor into one reused buffer and quantizes it there, so the float32 model never
 * exists in memory at once.
 */
public final class Int8 {

    private Int8() {}

    /** The weights to hold in 8 bits, each with whether it is stored [in, out] (Conv1D). */
    public static Map<Parameter, Boolean> targets(TransformerModel model) {
        Map<Parameter, Boolean> out = new IdentityHashMap<>();
        Map<Parameter, Integer> names = new IdentityHashMap<>();
        model.allNamedParameters().values().forEach(p -> names.merge(p, 1, Integer::sum));
        model.namedModules().forEach((path, m) -> {
            if (!(path + ".").startsWith(model.basePrefix())) {
                return; // the head stays float32
            }
            Parameter w = weight(m);
            if (w != null && names.get(w) == 1) { // tied weights stay float32
                out.put(w, m instanceof Conv1D);
            }
        });
        return out;
    }

    private static Parameter weight(Module m) {
        if (m instanceof Linear l) {
            return l.weight;
        }
        return m instanceof Conv1D c ? c.weight : null;
    }

    /** Quantizes the targets that still hold float data (a model initialised in memory); returns how many. */
    public static int quantize(TransformerModel model) {
        int n = 0;
        for (Map.Entry<Parameter, Boolean> e : targets(model).entrySet()) {
            Parameter p = e.getKey();
            if (!p.quantized() && p.hasData()) {
                p.quantize(Int8Weight.quantize(p.data(), e.getValue()));
                n++;
            }
        }
        return n;
    }

    /** Bytes the parameters take as held: 1 per int8 element plus 4 per scale, the dtype's size per float element. */
    public static long bytes(Iterable<Parameter> params) {
        long b = 0;
        for (Parameter p : params) {
            b += p.quantized() ? p.numel() + 4 * p.int8().scale().numel() : (long) p.dtype().size() * p.numel();
        }
        return b;
    }

    /**
     * Reads tensor {@code key} of a weight file (shape already checked) and holds it in {@code p} as int8.
     */
    static void load(WeightFiles files, String key, Parameter p, boolean transposed) {
        try (Scope tmp = Scope.open()) {
            p.quantize(Int8Weight.quantize(Pretrained.tensor(files, key), transposed));
        }
    }
}
