package org.finetune4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * Past keys and values per layer for incremental decoding (Transformers' DynamicCache): each
 * forward appends its new keys/values [B, Hkv, T, D] along the time axis and attends over all
 * of them. They live outside the step scopes ({@link Tensor#persist}), so those may close, while
 * what attention computes from them belongs to the step; close the cache to free them. Only for
 * inference: nothing here is differentiable. For continuous batching the rows can change between
 * forwards: {@link #join} adds another cache's rows, {@link #select} keeps some rows, and
 * {@link #padLeft} / the drop of {@link #select} move every row's start (the caller's attention mask
 * says which positions are padding).
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

    /** Rows held (B), 0 when empty. */
    public long rows() {
        return keys.isEmpty() ? 0 : keys.get(0).size(0);
    }

    /** Puts {@code n} zero positions before every row's past: [B, Hkv, S, D] -> [B, Hkv, n + S, D]. */
    public void padLeft(long n) {
        if (n == 0) {
            return;
        }
        replaceAll(a -> Torch.cat(List.of(Torch.zeros(a.dtype(), a.size(0), a.size(1), n, a.size(3)), a), 2));
    }

    /** Adds {@code other}'s rows after this cache's ([B1 + B2, Hkv, S, D]; both must hold S positions) and closes it. */
    public void join(KvCache other) {
        if (!keys.isEmpty() && length() != other.length()) {
            throw new IllegalArgumentException("caches of " + length() + " and " + other.length() + " positions");
        }
        for (int layer = 0; layer < other.keys.size(); layer++) {
            if (keys.size() <= layer) {
                keys.add(other.keys.get(layer)); // taken over, not copied
                values.add(other.values.get(layer));
                continue;
            }
            try (Scope scope = Scope.open()) {
                keys.set(layer, joined(keys.get(layer), other.keys.get(layer)));
                values.set(layer, joined(values.get(layer), other.values.get(layer)));
            }
        }
        other.keys.clear();
        other.values.clear();
    }

    private static Tensor joined(Tensor a, Tensor b) {
        Tensor all = Torch.cat(List.of(a, b), 0).persist(); // [B1 + B2, Hkv, S, D]
        a.close();
        b.close();
        return all;
    }

    /** Keeps rows {@code rows} in that order and drops every row's first {@code drop} positions. */
    public void select(long[] rows, long drop) {
        replaceAll(a -> {
            Tensor kept = a.indexSelect(0, Torch.tensor(rows)); // [rows, Hkv, S, D]
            return drop == 0 ? kept : kept.slice(2, drop, a.size(2)).contiguous(); // [rows, Hkv, S - drop, D]
        });
    }

    /** Frees every layer's keys and values; the cache is empty again. */
    public void clear() {
        keys.forEach(Tensor::close);
        values.forEach(Tensor::close);
        keys.clear();
        values.clear();
    }

    private void replaceAll(UnaryOperator<Tensor> f) {
        for (List<Tensor> list : List.of(keys, values)) {
            for (int i = 0; i < list.size(); i++) {
                Tensor old = list.get(i);
                try (Scope scope = Scope.open()) {
                    list.set(i, f.apply(old).persist());
                }
                old.close();
            }
        }
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
        clear();
    }
}
