package org.finetune4j.nn;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Layers named by their index ("0", "1", ...), as torch.nn.ModuleList. */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {

    private final List<M> items = new ArrayList<>();

    public M append(M m) {
        add(Integer.toString(items.size()), m);
        items.add(m);
        return m;
    }

    public M get(int i) {
        return items.get(i);
    }

    /** The layers in order, read-only. */
    public List<M> list() {
        return java.util.Collections.unmodifiableList(items);
    }

    public int size() {
        return items.size();
    }

    @Override
    public Iterator<M> iterator() {
        return items.iterator();
    }
}
