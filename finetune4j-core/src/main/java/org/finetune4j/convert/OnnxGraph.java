package org.finetune4j.convert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.finetune4j.Finetune4jException;

/**
 * What an exported BERT's graph says beyond its weights' names and shapes: which layer an unnamed
 * MatMul weight belongs to, the attention head count (the Reshape that splits a projection into
 * [batch, tokens, heads, head size]), the LayerNorm epsilon and the activation.
 */
final class OnnxGraph {

    private OnnxGraph() {}

    /**
     * The Transformers name of the linear weight {@code init}: its MatMul's output must reach an Add whose
     * other input is an initializer named {@code X.bias}; the weight is then {@code X.weight}.
     */
    static String linearName(OnnxModel m, String init, java.util.Map<String, OnnxTensor> weights, String where) {
        OnnxModel.Node matmul = m.consumers(init).stream().filter(n -> n.op().equals("MatMul")).findFirst().orElseThrow();
        String product = matmul.outputs().get(0);
        for (OnnxModel.Node add : m.consumers(product)) {
            if (!add.op().equals("Add") || add.inputs().size() != 2) {
                continue;
            }
            String other = add.inputs().get(0).equals(product) ? add.inputs().get(1) : add.inputs().get(0);
            if (other.endsWith(".bias") && weights.containsKey(other)) {
                return other.substring(0, other.length() - ".bias".length()) + ".weight";
            }
        }
        throw new Finetune4jException(where + ": initializer " + TfTable.quote(init) + " feeds MatMul node "
                + TfTable.quote(matmul.name()) + ", whose output reaches no Add with a named bias, so its layer is unknown");
    }

    /** config.json of a BertModel with {@code shape}: heads, epsilon and activation from the graph or the defaults. */
    static ObjectNode config(OnnxModel m, BertShape shape, Integer flag, String where, List<String> notes) {
        Integer found = heads(m, shape.hidden());
        if (flag != null && found != null && !flag.equals(found)) {
            throw new Finetune4jException(where + ": the graph splits attention into " + found + " heads but --heads says " + flag);
        }
        int heads = flag != null ? flag : found != null ? found : Math.max(1, shape.hidden() / 64);
        notes.add("heads: " + heads + (flag != null ? " (--heads)" : found != null ? " (from the graph's attention Reshape)"
                : " (hidden size / 64; the graph does not show them: give --heads if that is wrong)"));
        Float eps = epsilon(m);
        boolean erf = m.nodes.stream().anyMatch(n -> n.op().equals("Erf") || n.op().equals("Gelu"));
        if (!erf) {
            notes.add("activation: gelu assumed (the graph has no Erf or Gelu node)");
        }
        return shape.config("BertModel", heads, eps != null ? Double.parseDouble(Float.toString(eps)) : 1e-12, "gelu");
    }

    /**
     * The head count, from a Reshape of layer 0's query, key or value projection: its target shape is
     * [batch, tokens, heads, head size] (heads may be -1), constant as a whole or a Concat whose last two parts are.
     */
    static Integer heads(OnnxModel m, int hidden) {
        for (String p : new String[] {"query", "key", "value"}) {
            String bias = "encoder.layer.0.attention.self." + p + ".bias";
            for (OnnxModel.Node add : m.consumers(bias)) {
                for (OnnxModel.Node reshape : m.consumers(add.outputs().get(0))) {
                    if (reshape.op().equals("Reshape") && reshape.inputs().size() == 2) {
                        Integer h = headsOf(m, reshape.inputs().get(1), hidden);
                        if (h != null) {
                            return h;
                        }
                    }
                }
            }
        }
        return null;
    }

    private static Integer headsOf(OnnxModel m, String target, int hidden) {
        OnnxTensor whole = m.constant(target);
        long[] dims = whole != null ? whole.ints() : null;
        OnnxModel.Node concat = m.producer(target);
        if (dims == null && concat != null && concat.op().equals("Concat") && concat.inputs().size() == 4) {
            OnnxTensor h = m.constant(concat.inputs().get(2));
            OnnxTensor d = m.constant(concat.inputs().get(3));
            long[] hv = h == null ? null : h.ints();
            long[] dv = d == null ? null : d.ints();
            if (hv != null && dv != null && hv.length == 1 && dv.length == 1) {
                dims = new long[] {0, 0, hv[0], dv[0]};
            }
        }
        if (dims == null || dims.length != 4 || dims[3] < 1) {
            return null;
        }
        if (dims[2] == -1 && hidden % dims[3] == 0) { // [batch, tokens, -1, head size]: newer Transformers' view
            return (int) (hidden / dims[3]);
        }
        return dims[2] > 0 && dims[2] * dims[3] == hidden ? (int) dims[2] : null;
    }

    /** The LayerNorm epsilon: a LayerNormalization node's, or the constant added to the variance (ReduceMean). */
    static Float epsilon(OnnxModel m) {
        for (OnnxModel.Node n : m.nodes) {
            if (n.op().equals("LayerNormalization") && n.epsilon() != null) {
                return n.epsilon();
            }
            if (n.op().equals("Add") && n.inputs().size() == 2) {
                OnnxModel.Node left = m.producer(n.inputs().get(0));
                OnnxTensor right = m.constant(n.inputs().get(1));
                if (left != null && left.op().equals("ReduceMean") && right != null && right.scalar() != null) {
                    return right.scalar();
                }
            }
        }
        return null;
    }
}
