package org.finetune4j.eval;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.finetune4j.tensor.Tensor;

/** The oracle's numeric summaries of a tensor (computed in float64, printed as float32). */
final class Summary {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Summary() {}

    /** shape, mean, std (population), min, max, abs_mean, l2. */
    static ObjectNode stats(Tensor t) {
        float[] x = t.toFloatArray();
        double sum = 0;
        double abs = 0;
        double sq = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) {
            sum += v;
            abs += Math.abs(v);
            sq += (double) v * v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double mean = sum / x.length;
        double var = 0;
        for (float v : x) {
            var += (v - mean) * (v - mean);
        }
        ObjectNode o = JSON.objectNode();
        o.set("shape", longs(t.shape()));
        o.put("mean", (float) mean);
        o.put("std", (float) Math.sqrt(var / x.length));
        o.put("min", (float) min);
        o.put("max", (float) max);
        o.put("abs_mean", (float) (abs / x.length));
        o.put("l2", (float) Math.sqrt(sq));
        return o;
    }

    /** Hidden state [B, T, C]: stats plus h[0, 0, :8] and h[-1, -1, :8]. */
    static ObjectNode hidden(Tensor h) {
        ObjectNode o = stats(h);
        o.set("sample_first_token", floats(h.select(0, 0).select(0, 0).slice(0, 0, 8)));
        o.set("sample_last_token", floats(h.select(0, -1).select(0, -1).slice(0, 0, 8)));
        return o;
    }

    /** Attention [B, H, Q, K]: stats, sum, sum of p * (k + 1), two rows of batch 0 head 0. */
    static ObjectNode attention(Tensor a) {
        ObjectNode o = stats(a);
        float[] x = a.toFloatArray();
        long k = a.size(3);
        double sum = 0;
        double weighted = 0;
        for (int i = 0; i < x.length; i++) {
            sum += x[i];
            weighted += x[i] * (double) (i % k + 1);
        }
        o.put("sum", (float) sum);
        o.put("weighted_checksum", (float) weighted);
        o.set("row_b0_h0_q0", floats(a.select(0, 0).select(0, 0).select(0, 0)));
        o.set("row_b0_h0_qlast", floats(a.select(0, 0).select(0, 0).select(0, -1)));
        return o;
    }

    static com.fasterxml.jackson.databind.node.ArrayNode longs(long[] values) {
        com.fasterxml.jackson.databind.node.ArrayNode arr = JSON.arrayNode();
        for (long v : values) {
            arr.add(v);
        }
        return arr;
    }

    static com.fasterxml.jackson.databind.node.ArrayNode floats(java.util.List<Float> values) {
        com.fasterxml.jackson.databind.node.ArrayNode arr = JSON.arrayNode();
        values.forEach(arr::add);
        return arr;
    }

    static com.fasterxml.jackson.databind.node.ArrayNode floats(Tensor t) {
        com.fasterxml.jackson.databind.node.ArrayNode arr = JSON.arrayNode();
        for (float v : t.toFloatArray()) {
            arr.add(v);
        }
        return arr;
    }

    /** Nested lists in the tensor's shape. */
    static com.fasterxml.jackson.databind.JsonNode nested(Tensor t) {
        float[] x = t.toFloatArray();
        long[] shape = t.shape();
        return nest(x, shape, 0, 0);
    }

    private static com.fasterxml.jackson.databind.JsonNode nest(float[] x, long[] shape, int dim, int offset) {
        com.fasterxml.jackson.databind.node.ArrayNode arr = JSON.arrayNode();
        int stride = 1;
        for (int d = dim + 1; d < shape.length; d++) {
            stride *= (int) shape[d];
        }
        for (int i = 0; i < shape[dim]; i++) {
            if (dim == shape.length - 1) {
                arr.add(x[offset + i]);
            } else {
                arr.add(nest(x, shape, dim + 1, offset + i * stride));
            }
        }
        return arr;
    }
}
