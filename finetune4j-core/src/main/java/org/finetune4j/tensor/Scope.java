package org.finetune4j.tensor;

import org.bytedeco.javacpp.PointerScope;

/**
 * The native-memory rule of the project, in try-with-resources: every tensor made on this thread
 * while a scope is open belongs to the innermost one and is freed when it closes, together with the
 * binding's small helper objects. Training steps, evaluation batches and generation steps each run
 * in their own scope, so native memory stays flat. What must outlive a scope leaves it explicitly:
 * {@link #keep} hands a tensor to the enclosing scope, {@link Tensor#persist} takes it out of every
 * scope (parameters, optimizer moments, caches: their holders close them, or the garbage collector
 * frees them once unreachable). Tensors made with no scope open are the garbage collector's.
 * Autograd is unaffected: libtorch keeps what the backward pass needs through its own references.
 */
public final class Scope implements AutoCloseable {

    /**
     * The most bytes one temporary should hold in a training step: under glibc's largest mmap
     * threshold (32 MiB, as the launcher sets it), so it comes from the heap and reuses its pages
     * instead of being mapped and faulted in afresh every step.
     */
    public static final long HEAP_BLOCK_BYTES = 24L << 20;

    private final PointerScope scope;
    private final PointerScope parent;

    private Scope() {
        Native.init();
        this.parent = PointerScope.getInnerScope();
        this.scope = new PointerScope();
    }

    /** Opens a scope on this thread; close it on the same thread. */
    public static Scope open() {
        return new Scope();
    }

    /**
     * Hands {@code t} to the scope that was innermost when this one opened (or, if none, to no scope),
     * so it survives this scope's close; a tensor this scope does not own is returned as it is.
     */
    public Tensor keep(Tensor t) {
        if (t != null && t.owner == scope) {
            if (parent != null) {
                parent.attach(t.t);
            } else {
                t.t.retainReference();
            }
            scope.detach(t.t);
            t.owner = parent;
        }
        return t;
    }

    /** Frees every tensor this scope still owns. */
    @Override
    public void close() {
        scope.close();
    }
}
