package org.finetune4j.nn;

/** A module that only nests names, as HF's {@code attention.self} or {@code cls.predictions}. */
public final class Group extends Module {

    /** Registers {@code child} under {@code name} and returns it. */
    public <M extends Module> M child(String name, M child) {
        return add(name, child);
    }

    /** Registers a parameter directly under this group. */
    public Parameter parameter(String name, Init init, long... shape) {
        return param(name, init, shape);
    }
}
