package org.finetune4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Past keys and values per layer for incremental decoding (Transformers' DynamicCache): each
 * forward appends its new keys/values [B, Hkv, T, D] along the time axis and attends over all
 * of them. The arrays live in the cache's own manager, so step scopes may close; close the cache
 * to free them. Only for inference: nothing here is differentiable. For continuous batching the
 * rows can change between forwards: {@link #join} adds another cache's rows, {@link #select}
 * keeps some rows, and {@link #padLeft} / the drop of {@link #select} move every row's start (the
 * caller's attention mask says which positions are padding).
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

    /**
     * Appends layer {@code layer}'s new k and v [B, Hkv, T, D]; returns all of them, {k, v} [B, Hkv, S, D],
     * as views in the manager of {@code k} (the step's), so what attention computes from them is freed
     * with the step rather than kept until the cache closes.
     */
    public NDArray[] append(int layer, NDArray k, NDArray v) {
        while (keys.size() <= layer) {
            keys.add(null);
            values.add(null);
        }
        keys.set(layer, grow(keys.get(layer), k));
        values.set(layer, grow(values.get(layer), v));
        return new NDArray[] {view(keys.get(layer), k.getManager()), view(values.get(layer), v.getManager())};
    }

    /** A view of {@code held} (no copy) owned by {@code owner}. */
    private static NDArray view(NDArray held, NDManager owner) {
        NDArray v = held.get(":"); // [B, Hkv, S, D], the same storage
        v.attach(owner);
        return v;
    }

    /** Rows held (B), 0 when empty. */
    public long rows() {
        return keys.isEmpty() ? 0 : keys.get(0).getShape().get(0);
    }

    /** Puts {@code n} zero positions before every row's past: [B, Hkv, S, D] -> [B, Hkv, n + S, D]. */
    public void padLeft(long n) {
        if (n == 0) {
            return;
        }
        replaceAll(a -> {
            Shape s = a.getShape();
            try (NDArray zeros = manager.zeros(new Shape(s.get(0), s.get(1), n, s.get(3)), a.getDataType())) {
                return zeros.concat(a, 2); // [B, Hkv, n + S, D]
            }
        });
    }

    /** Adds {@code other}'s rows after this cache's ([B1 + B2, Hkv, S, D]; both must hold S positions) and closes it. */
    public void join(KvCache other) {
        if (!keys.isEmpty() && length() != other.length()) {
            throw new IllegalArgumentException("caches of " + length() + " and " + other.length() + " positions");
        }
        for (int layer = 0; layer < other.keys.size(); layer++) {
            if (keys.size() <= layer) {
                other.keys.get(layer).attach(manager); // taken over, not copied
                other.values.get(layer).attach(manager);
                keys.add(other.keys.get(layer));
                values.add(other.values.get(layer));
                continue;
            }
            NDArray k = keys.get(layer).concat(other.keys.get(layer), 0); // [B1 + B2, Hkv, S, D]
            NDArray v = values.get(layer).concat(other.values.get(layer), 0);
            keys.get(layer).close();
            values.get(layer).close();
            keys.set(layer, k);
            values.set(layer, v);
        }
        other.close();
    }

    /** Keeps rows {@code rows} in that order and drops every row's first {@code drop} positions. */
    public void select(long[] rows, long drop) {
        replaceAll(a -> {
            Shape s = a.getShape();
            try (NDManager scope = manager.newSubManager()) {
                NDArray idx = scope.create(rows).reshape(rows.length, 1, 1, 1).broadcast(rows.length, s.get(1), s.get(2), s.get(3));
                NDArray kept = a.gather(idx, 0); // [rows, Hkv, S, D], in the cache's manager as a is
                if (drop == 0) {
                    return kept;
                }
                try (kept) {
                    return kept.get(":, :, " + drop + ":, :"); // [rows, Hkv, S - drop, D]
                }
            }
        });
    }

    /** Frees every layer's keys and values; the cache is empty again. */
    public void clear() {
        keys.forEach(NDArray::close);
        values.forEach(NDArray::close);
        keys.clear();
        values.clear();
    }

    private void replaceAll(java.util.function.UnaryOperator<NDArray> f) {
        for (List<NDArray> list : List.of(keys, values)) {
            for (int i = 0; i < list.size(); i++) {
                NDArray old = list.get(i);
                list.set(i, f.apply(old));
                old.close();
            }
        }
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
