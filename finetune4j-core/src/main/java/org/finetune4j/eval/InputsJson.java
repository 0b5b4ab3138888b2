package org.finetune4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.finetune4j.Finetune4jException;
import org.finetune4j.model.Inputs;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/** Reads the oracle's inputs JSON ({@code input_ids} required; masks, type ids, labels optional). */
public final class InputsJson {

    private InputsJson() {}

    public static Inputs read(JsonNode json) {
        JsonNode o = json.has("inputs") && json.get("inputs").isObject() ? json.get("inputs") : json;
        Tensor ids = tensor(o, "input_ids");
        if (ids == null) {
            throw new Finetune4jException("inputs: 'input_ids' is required");
        }
        if (ids.dim() != 2) {
            throw new Finetune4jException("inputs: 'input_ids' must be a list of rows");
        }
        Inputs in = new Inputs(ids, tensor(o, "attention_mask"), tensor(o, "token_type_ids"),
                tensor(o, "position_ids"), tensor(o, "labels"), tensor(o, "next_sentence_label"),
                tensor(o, "start_positions"), tensor(o, "end_positions"));
        sameShape("attention_mask", in.attentionMask(), ids);
        sameShape("token_type_ids", in.tokenTypeIds(), ids);
        sameShape("position_ids", in.positionIds(), ids);
        return in;
    }

    private static void sameShape(String key, Tensor a, Tensor ids) {
        if (a != null && !java.util.Arrays.equals(a.shape(), ids.shape())) {
            throw new Finetune4jException("inputs: '" + key + "' has shape " + java.util.Arrays.toString(a.shape())
                    + " but 'input_ids' has " + java.util.Arrays.toString(ids.shape()));
        }
    }

    private static Tensor tensor(JsonNode o, String key) {
        JsonNode n = o.get(key);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray()) {
            throw new Finetune4jException("inputs: '" + key + "' must be a list");
        }
        if (n.size() > 0 && n.get(0).isArray()) {
            int rows = n.size();
            int cols = n.get(0).size();
            long[] flat = new long[rows * cols];
            for (int r = 0; r < rows; r++) {
                if (n.get(r).size() != cols) {
                    throw new Finetune4jException("inputs: '" + key + "' row " + r + " has " + n.get(r).size()
                            + " entries, row 0 has " + cols);
                }
                for (int c = 0; c < cols; c++) {
                    flat[r * cols + c] = longAt(n.get(r).get(c), key);
                }
            }
            return Torch.tensor(flat, rows, cols);
        }
        long[] flat = new long[n.size()];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = longAt(n.get(i), key);
        }
        return Torch.tensor(flat);
    }

    private static long longAt(JsonNode v, String key) {
        if (!v.isIntegralNumber()) {
            throw new Finetune4jException("inputs: '" + key + "' must hold integers, got " + v);
        }
        return v.longValue();
    }
}
