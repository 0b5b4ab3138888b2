package org.finetune4j.convert;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.ProtoReader;

/**
 * The parts of an ONNX {@code ModelProto} that hold weights and wiring: the graph's initializers and
 * its nodes (op type, inputs, outputs, and the tensor and float attributes that Constant and
 * LayerNormalization nodes carry). The file is memory-mapped; initializer data are views of it.
 */
final class OnnxModel {

    /** A graph node; {@code value} is a Constant's tensor, {@code epsilon} a LayerNormalization's (else null). */
    record Node(String name, String op, List<String> inputs, List<String> outputs, OnnxTensor value, Float epsilon) {}

    final String file;
    final Map<String, OnnxTensor> initializers = new LinkedHashMap<>();
    final List<Node> nodes = new ArrayList<>();
    private final Map<String, Node> producers = new HashMap<>();
    private final Map<String, List<Node>> consumers = new HashMap<>();

    private OnnxModel(String label) {
        this.file = label;
    }

    /** Maps and parses {@code file}; every length is checked before it is used; errors start with {@code label}. */
    static OnnxModel read(Path file, String label) {
        OnnxModel m = new OnnxModel(label);
        ProtoReader r = ProtoReader.of(map(file, label), label);
        boolean graph = false;
        while (r.next()) {
            if (r.field() == 7) {
                m.graph(r.message("graph"));
                graph = true;
            } else {
                r.skip();
            }
        }
        if (!graph) {
            throw new Finetune4jException(label + ": holds no graph (not an ONNX model, or truncated)");
        }
        for (Node n : m.nodes) {
            n.outputs().forEach(o -> m.producers.put(o, n));
            n.inputs().forEach(i -> m.consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
        }
        return m;
    }

    /** The node whose output is {@code value}, or null (a graph input or an initializer). */
    Node producer(String value) {
        return producers.get(value);
    }

    /** The nodes that read {@code value}. */
    List<Node> consumers(String value) {
        return consumers.getOrDefault(value, List.of());
    }

    /**
     * The named weights: every initializer, and the output of every Identity node that copies one (the
     * exporter keeps one copy of initializers with equal values, e.g. zero biases, and names the others
     * through Identity nodes), each under its own name.
     */
    Map<String, OnnxTensor> weights() {
        Map<String, OnnxTensor> all = new LinkedHashMap<>(initializers);
        for (Node n : nodes) {
            if (n.op().equals("Identity") && n.inputs().size() == 1 && initializers.containsKey(n.inputs().get(0))) {
                OnnxTensor t = initializers.get(n.inputs().get(0));
                all.putIfAbsent(n.outputs().get(0), new OnnxTensor(n.outputs().get(0), t.dtype(), t.dims(), t.data()));
            }
        }
        return all;
    }

    /** A constant's tensor: an initializer, or the value of the Constant node that makes it; else null. */
    OnnxTensor constant(String value) {
        Node p = producers.get(value);
        return p != null && p.op().equals("Constant") ? p.value() : initializers.get(value);
    }

    private void graph(ProtoReader r) {
        while (r.next()) {
            switch (r.field()) {
                case 1 -> nodes.add(node(r.message("node #" + nodes.size())));
                case 5 -> {
                    OnnxTensor t = OnnxTensor.read(r.message("initializer #" + initializers.size()), file,
                            "initializer #" + initializers.size());
                    if (initializers.put(t.name(), t) != null) {
                        throw new Finetune4jException(file + ": initializer " + TfTable.quote(t.name()) + " appears twice");
                    }
                }
                case 15 -> throw r.error("has a sparse initializer, which import does not read");
                default -> r.skip();
            }
        }
    }

    private Node node(ProtoReader r) {
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        String name = "";
        String op = "";
        OnnxTensor value = null;
        Float eps = null;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> in.add(r.string());
                case 2 -> out.add(r.string());
                case 3 -> name = r.string();
                case 4 -> op = r.string();
                case 5 -> {
                    Object[] a = attribute(r.message("attribute"), name);
                    if ("value".equals(a[0]) && a[1] instanceof OnnxTensor t) {
                        value = t;
                    } else if ("epsilon".equals(a[0]) && a[1] instanceof Float f) {
                        eps = f;
                    }
                }
                default -> r.skip();
            }
        }
        return new Node(name.isEmpty() && !out.isEmpty() ? out.get(0) : name, op, in, out, value, eps);
    }

    /** An AttributeProto's name and its tensor (t) or float (f) value, if any. */
    private Object[] attribute(ProtoReader r, String node) {
        Object[] a = new Object[2];
        while (r.next()) {
            switch (r.field()) {
                case 1 -> a[0] = r.string();
                case 2 -> a[1] = Float.intBitsToFloat(r.fixed32());
                case 5 -> a[1] = OnnxTensor.read(r.message("tensor"), file, "node " + TfTable.quote(node) + "'s value");
                default -> r.skip();
            }
        }
        return a;
    }

    private static ByteBuffer map(Path file, String label) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() > Integer.MAX_VALUE) {
                throw new Finetune4jException(label + ": over 2 GiB; a model that size keeps its weights as external data,"
                        + " which import does not read");
            }
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        } catch (NoSuchFileException e) {
            throw new Finetune4jException(label + ": no such file");
        } catch (IOException e) {
            throw new Finetune4jException(label + ": cannot read (" + e.getClass().getSimpleName() + ")");
        }
    }
}
