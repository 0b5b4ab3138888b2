package org.finetune4j.nn;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * Past keys and values per layer for incremental decoding (Transformers' DynamicCache): each
 * forward appends its new keys/values [B, Hkv, T, D] along the time axis and attends over all
 * of them. They live outside the step scopes ({@link Tensor#persist}), so those may close; close
 * the cache to free them. Only for inference: nothing here is differentiable.
 */
public final class KvCache implements AutoCloseable {

    private final List<Tensor> keys = new ArrayList<>();
    private final List<Tensor> values = new ArrayList<>();

    /** Positions already held (S - T of the next forward); read before the first layer appends. */
    public long length() {
        return keys.isEmpty() ? 0 : keys.get(0).size(2);
    }

    /** Appends layer {@code layer}'s new k and v [B, Hkv, T, D]; returns all of them, {k, v} [B, Hkv, S, D]. */
    public Tensor[] append(int layer, Tensor k, Tensor v) {
        while (keys.size() <= layer) {
            keys.add(null);
            values.add(null);
        }
        keys.set(layer, grow(keys.get(layer), k));
        values.set(layer, grow(values.get(layer), v));
        return new Tensor[] {keys.get(layer), values.get(layer)};
    }

    private static Tensor grow(Tensor past, Tensor now) {
        Tensor all = past == null ? now.clone() : Torch.cat(List.of(past, now), 2); // [B, Hkv, S, D]
        if (past != null) {
            past.close();
        }
        return all.persist();
    }

    @Override
    public void close() {
        keys.forEach(t -> {
            if (t != null) {
                t.close();
            }
        });
        values.forEach(t -> {
            if (t != null) {
                t.close();
            }
        });
        keys.clear();
        values.clear();
    }
}
