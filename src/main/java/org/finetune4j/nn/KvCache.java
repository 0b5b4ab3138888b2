package org.finetune4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Past keys and values per layer for incremental decoding (Transformers' DynamicCache): each
 * forward appends its new keys/values [B, Hkv, T, D] along the time axis and attends over all
 * of them. The arrays live in the cache's own manager, so step scopes may close; close the cache
 * to free them. Only for inference: nothing here is differentiable.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final List<NDArray> keys = new ArrayList<>();
    private final List<NDArray> values = new ArrayList<>();

    /** An empty cache whose arrays live in a sub-manager of {@code parent}. */
    public KvCache(NDManager parent) {
        this.manager = parent.newSubManager();
    }

    /** Positions already held (S - T of the next forward); read before the first layer appends. */
    public long length() {
        return keys.isEmpty() ? 0 : keys.get(0).getShape().get(2);
    }

    /** Appends layer {@code layer}'s new k and v [B, Hkv, T, D]; returns all of them, {k, v} [B, Hkv, S, D]. */
    public NDArray[] append(int layer, NDArray k, NDArray v) {
        while (keys.size() <= layer) {
            keys.add(null);
            values.add(null);
        }
        keys.set(layer, grow(keys.get(layer), k));
        values.set(layer, grow(values.get(layer), v));
        return new NDArray[] {keys.get(layer), values.get(layer)};
    }

    private NDArray grow(NDArray past, NDArray now) {
        NDArray all = past == null ? now.duplicate() : past.concat(now, 2); // [B, Hkv, S, D]
        all.attach(manager);
        if (past != null) {
            past.close();
        }
        return all;
    }

    @Override
    public void close() {
        manager.close();
    }
}
