package org.finetune4j.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.finetune4j.Finetune4jException;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Module;

/**
 * One body with several heads, for multitask training: each member is a model with its own head
 * over the same body parameters (see {@link Bert#Bert(BertConfig, Head, Bert)}); members with the
 * same head are one model. The parameters are the union under Transformers' names (the body once,
 * then every head: {@code bert.*}, {@code classifier.*}, {@code cls.predictions.*} ...), and the
 * folder saves as the first member's class, so Transformers loads it as that class (the other heads'
 * tensors are reported as unused) or as any member's class.
 *
 * <p>Which member a batch goes to is said by its inputs ({@link Inputs#member}, set from the batch the
 * multitask data made); inputs that name none run the first member.
 */
public final class MultiHeadModel extends TransformerModel {

    private final List<TransformerModel> members;

    public MultiHeadModel(List<TransformerModel> members) {
        super(members.get(0).config, members.get(0).head);
        this.members = List.copyOf(members);
        Map<String, Module> top = new LinkedHashMap<>();
        for (TransformerModel m : this.members) {
            m.namedModules().forEach((name, module) -> {
                if (!name.isEmpty() && name.indexOf('.') < 0) {
                    Module seen = top.putIfAbsent(name, module);
                    if (seen != null && seen != module) {
                        throw new Finetune4jException("two heads of the multitask model are both named '" + name + "'");
                    }
                }
            });
        }
        top.forEach(this::add);
    }

    /** The member models (each usable on its own for evaluation). */
    public List<TransformerModel> members() {
        return members;
    }

    @Override
    protected Output compute(Inputs in, Forward f) {
        return members.get(Math.max(0, in.member())).compute(in, f);
    }

    @Override
    public Set<Head> heads() {
        return members == null ? Set.of(head) : members.get(0).heads();
    }

    @Override
    public String basePrefix() {
        return members.get(0).basePrefix();
    }

    @Override
    public String className() {
        return members.get(0).className();
    }

    /** The distinct heads, in member order. */
    public List<Head> memberHeads() {
        List<Head> out = new ArrayList<>();
        members.forEach(m -> out.add(m.head));
        return out;
    }
}
