package org.finetune4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.finetune4j.tensor.DType;

/**
 * Keys every Transformers config shares: architectures, labels, special token ids, tying, the
 * weights' dtype ({@code dtype}, or {@code torch_dtype} as Transformers 4 wrote it; null when absent
 * or "auto"). The whole JSON object is kept so a saved config.json keeps keys Finetune4j does not use.
 */
public record CommonConfig(
        String modelType,
        List<String> architectures,
        Map<Integer, String> id2label,
        Integer padTokenId,
        Integer bosTokenId,
        Integer eosTokenId,
        boolean tieWordEmbeddings,
        String problemType,
        double initializerRange,
        DType dtype,
        ObjectNode raw) {

    public int numLabels() {
        return id2label.size();
    }

    /** The label names in id order. */
    public List<String> labels() {
        return List.copyOf(id2label.values());
    }

    static CommonConfig read(ConfigReader r, String modelType, boolean tieDefault, String initKey) {
        return new CommonConfig(modelType, architectures(r), labels(r), r.optionalInt("pad_token_id"),
                r.optionalInt("bos_token_id"), r.optionalInt("eos_token_id"),
                r.bool("tie_word_embeddings", tieDefault), r.string("problem_type", null),
                r.number(initKey, 0.02), dtype(r), r.json());
    }

    /** config.json's {@code dtype} (Transformers 5) or {@code torch_dtype} (4.x); null when absent or "auto". */
    private static DType dtype(ConfigReader r) {
        String key = r.json().has("dtype") ? "dtype" : "torch_dtype";
        String name = r.string(key, null);
        if (name == null || name.equals("auto")) {
            return null;
        }
        try {
            return DType.parseTorch(name, key);
        } catch (org.finetune4j.Finetune4jException e) {
            throw r.error(e.getMessage());
        }
    }

    /** The raw JSON with {@code dtype} (and a {@code torch_dtype} the file had) set to {@code t}'s name. */
    public ObjectNode withDtype(DType t) {
        ObjectNode json = raw.deepCopy();
        json.put("dtype", t.torchName());
        if (json.has("torch_dtype")) {
            json.put("torch_dtype", t.torchName());
        }
        return json;
    }

    private static List<String> architectures(ConfigReader r) {
        JsonNode n = r.json().get("architectures");
        List<String> out = new ArrayList<>();
        if (n != null && !n.isNull()) {
            if (!n.isArray()) {
                throw r.error("'architectures' must be a list of class names");
            }
            n.forEach(a -> out.add(a.asText()));
        }
        return List.copyOf(out);
    }

    /** id2label as Transformers reads it; two labels LABEL_0, LABEL_1 when absent. */
    private static Map<Integer, String> labels(ConfigReader r) {
        TreeMap<Integer, String> out = new TreeMap<>();
        JsonNode n = r.object("id2label");
        if (n != null) {
            n.fields().forEachRemaining(e -> {
                try {
                    out.put(Integer.parseInt(e.getKey()), e.getValue().asText());
                } catch (NumberFormatException ex) {
                    throw r.error("id2label key '" + e.getKey() + "' is not an integer");
                }
            });
        } else {
            int n2 = r.integer("num_labels", 2);
            for (int i = 0; i < n2; i++) {
                out.put(i, "LABEL_" + i);
            }
        }
        for (int i = 0; i < out.size(); i++) {
            if (!out.containsKey(i)) {
                throw r.error("id2label must number its labels 0.." + (out.size() - 1) + ", missing " + i);
            }
        }
        return java.util.Collections.unmodifiableSortedMap(out); // id order, which labels() relies on
    }
}
