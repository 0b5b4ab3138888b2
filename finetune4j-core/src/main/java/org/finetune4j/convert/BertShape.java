package org.finetune4j.convert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.finetune4j.Finetune4jException;

/**
 * The sizes of a BERT encoder, read from its weights' shapes, and the weights (Transformers' names
 * and shapes) that a body of those sizes and each head have, so an import can check that every
 * tensor it writes has a place and that nothing a model needs is missing.
 */
public record BertShape(int vocab, int hidden, int layers, int intermediate, int positions, int typeVocab) {

    private static final java.util.regex.Pattern LAYER = java.util.regex.Pattern.compile("encoder\\.layer\\.(\\d{1,6})\\.");

    /** The sizes from the shapes of {@code tensors} (Transformers' names below {@code prefix}); errors start with {@code where}. */
    static BertShape of(Map<String, long[]> tensors, String prefix, String where) {
        long[] word = need(tensors, prefix + "embeddings.word_embeddings.weight", where);
        long[] pos = need(tensors, prefix + "embeddings.position_embeddings.weight", where);
        long[] type = need(tensors, prefix + "embeddings.token_type_embeddings.weight", where);
        long[] ffn = need(tensors, prefix + "encoder.layer.0.intermediate.dense.bias", where);
        int layers = 0; // one more than the highest layer index any weight names
        for (String name : tensors.keySet()) {
            java.util.regex.Matcher m = LAYER.matcher(name);
            if (name.startsWith(prefix) && m.find(prefix.length()) && m.start() == prefix.length()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (word.length != 2 || pos.length != 2 || type.length != 2 || ffn.length != 1) {
            throw new Finetune4jException(where + ": the embeddings are not matrices or the feed-forward bias is not a vector");
        }
        return new BertShape(toInt(word[0]), toInt(word[1]), layers, toInt(ffn[0]), toInt(pos[0]), toInt(type[0]));
    }

    /** "12 layers, hidden 768, 12 heads, feed-forward 3072, vocab 30522, 512 positions". */
    public String describe(int heads) {
        return layers + " layers, hidden " + hidden + ", " + heads + " heads, feed-forward " + intermediate + ", vocab "
                + vocab + ", " + positions + " positions";
    }

    /** Embeddings and layers (no pooler) under {@code prefix}: name to shape. */
    Map<String, long[]> body(String prefix) {
        Map<String, long[]> m = new LinkedHashMap<>();
        String e = prefix + "embeddings.";
        m.put(e + "word_embeddings.weight", shape(vocab, hidden));
        m.put(e + "position_embeddings.weight", shape(positions, hidden));
        m.put(e + "token_type_embeddings.weight", shape(typeVocab, hidden));
        norm(m, e + "LayerNorm");
        for (int i = 0; i < layers; i++) {
            String l = prefix + "encoder.layer." + i + ".";
            for (String p : new String[] {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"}) {
                linear(m, l + p, hidden, hidden);
            }
            norm(m, l + "attention.output.LayerNorm");
            linear(m, l + "intermediate.dense", intermediate, hidden);
            linear(m, l + "output.dense", hidden, intermediate);
            norm(m, l + "output.LayerNorm");
        }
        return m;
    }

    /** The tanh pooler under {@code prefix}. */
    Map<String, long[]> pooler(String prefix) {
        Map<String, long[]> m = new LinkedHashMap<>();
        linear(m, prefix + "pooler.dense", hidden, hidden);
        return m;
    }

    /** BertForMaskedLM's head without the decoder weight, which is tied to the word embeddings. */
    Map<String, long[]> mlmHead() {
        Map<String, long[]> m = new LinkedHashMap<>();
        linear(m, "cls.predictions.transform.dense", hidden, hidden);
        norm(m, "cls.predictions.transform.LayerNorm");
        m.put("cls.predictions.bias", shape(vocab));
        return m;
    }

    /** The next-sentence head of BertForPreTraining. */
    Map<String, long[]> nspHead() {
        Map<String, long[]> m = new LinkedHashMap<>();
        linear(m, "cls.seq_relationship", 2, hidden);
        return m;
    }

    /** Transformers' {@code config.json} for {@code architecture} with these sizes. */
    ObjectNode config(String architecture, int heads, double layerNormEps, String hiddenAct) {
        if (heads < 1 || hidden % heads != 0) {
            throw new Finetune4jException("hidden size " + hidden + " is not a multiple of " + heads + " attention heads; give --heads");
        }
        ObjectNode c = OutputFolder.JSON.createObjectNode();
        c.putArray("architectures").add(architecture);
        c.put("model_type", "bert");
        c.put("vocab_size", vocab);
        c.put("hidden_size", hidden);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("intermediate_size", intermediate);
        c.put("hidden_act", hiddenAct);
        c.put("hidden_dropout_prob", 0.1);
        c.put("attention_probs_dropout_prob", 0.1);
        c.put("max_position_embeddings", positions);
        c.put("type_vocab_size", typeVocab);
        c.put("initializer_range", 0.02);
        c.put("layer_norm_eps", layerNormEps);
        c.put("pad_token_id", 0);
        return c;
    }

    /**
     * Every weight has a place of its shape and every place a weight: {@code from} maps each weight's
     * Transformers name to what it came from (e.g. "tensor 'bert/pooler/dense/kernel'"), {@code shapes}
     * to its shape; errors start with {@code where} and name the source.
     */
    static void checkPlaces(Map<String, String> from, Map<String, long[]> shapes, Map<String, long[]> expected, String where) {
        from.forEach((name, source) -> {
            if (!expected.containsKey(name)) {
                throw new Finetune4jException(where + ": " + source + " maps to " + name + ", which is no weight of this BERT model");
            }
            if (!Arrays.equals(expected.get(name), shapes.get(name))) {
                throw new Finetune4jException(where + ": " + source + " has shape " + Arrays.toString(shapes.get(name))
                        + " as " + name + ", which needs " + Arrays.toString(expected.get(name)));
            }
        });
        for (String name : expected.keySet()) {
            if (!from.containsKey(name)) {
                throw new Finetune4jException(where + ": no weight for " + name + " (the model is incomplete)");
            }
        }
    }

    private static void linear(Map<String, long[]> m, String name, int out, int in) {
        m.put(name + ".weight", shape(out, in));
        m.put(name + ".bias", shape(out));
    }

    private void norm(Map<String, long[]> m, String name) {
        m.put(name + ".weight", shape(hidden));
        m.put(name + ".bias", shape(hidden));
    }

    private static long[] shape(long... dims) {
        return dims;
    }

    private static long[] need(Map<String, long[]> tensors, String name, String where) {
        long[] s = tensors.get(name);
        if (s == null) {
            throw new Finetune4jException(where + ": no weight for " + name + "; this is not a BERT encoder checkpoint");
        }
        return s;
    }

    private static int toInt(long v) {
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw new Finetune4jException("a BERT size of " + v + " is out of range");
        }
        return (int) v;
    }
}
