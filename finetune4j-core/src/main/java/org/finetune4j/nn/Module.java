package org.finetune4j.nn;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node of the model tree: named parameters and named children, so a parameter's dotted path
 * equals its Hugging Face state-dict key. Subclasses register everything in their constructor.
 * Closing a module frees its parameters' data at once (otherwise the garbage collector does, once the
 * module is unreachable).
 */
public abstract class Module implements AutoCloseable {

    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();

    /** Registers a new parameter. */
    protected final Parameter param(String name, Init init, long... shape) {
        return tie(name, new Parameter(init, shape));
    }

    /** Registers an existing parameter under one more name (tied weights). */
    protected final Parameter tie(String name, Parameter p) {
        if (params.putIfAbsent(name, p) != null || children.containsKey(name)) {
            throw new IllegalStateException("duplicate name " + name);
        }
        return p;
    }

    /** Registers a child module. */
    protected final <M extends Module> M add(String name, M child) {
        if (children.putIfAbsent(name, child) != null || params.containsKey(name)) {
            throw new IllegalStateException("duplicate name " + name);
        }
        return child;
    }

    /** Unregisters a child module (a LoRA branch being unloaded); returns it, or null when absent. */
    protected final Module removeChild(String name) {
        return children.remove(name);
    }

    /** Every parameter once, under the first name that reaches it (tied copies left out). */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> all = new LinkedHashMap<>();
        Map<Parameter, Boolean> seen = new IdentityHashMap<>();
        collect("", all, seen, false);
        return all;
    }

    /** Every name of every parameter, tied ones included (what a loader may find on disk). */
    public final Map<String, Parameter> allNamedParameters() {
        Map<String, Parameter> all = new LinkedHashMap<>();
        collect("", all, new IdentityHashMap<>(), true);
        return all;
    }

    /** Frees the data of every parameter under this module. */
    @Override
    public void close() {
        namedParameters().values().forEach(Parameter::close);
    }

    /** Every module under its dotted path; the root is "". */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        out.put("", this);
        children.forEach((name, m) -> m.namedModules().forEach((sub, mm) -> out.put(sub.isEmpty() ? name : name + "." + sub, mm)));
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out, Map<Parameter, Boolean> seen, boolean aliases) {
        params.forEach((name, p) -> {
            if (aliases || seen.put(p, Boolean.TRUE) == null) {
                out.put(prefix + name, p);
            }
        });
        children.forEach((name, m) -> m.collect(prefix + name + ".", out, seen, aliases));
    }
}
