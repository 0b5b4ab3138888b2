package org.finetune4j.convert;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import org.finetune4j.Finetune4jException;

/** Google's {@code bert_config.json} (the keys Transformers' BertConfig kept), checked against the weights' shapes. */
final class GoogleConfig {

    private GoogleConfig() {}

    /** Reads {@code file}; every size it states must equal the one the weights have. */
    static JsonNode read(Path file, BertShape shape) {
        JsonNode c;
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new Finetune4jException(file + ": no such file");
        }
        try {
            c = OutputFolder.JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new Finetune4jException(file + ": cannot read as JSON (" + e.getClass().getSimpleName() + ")");
        }
        if (c == null || !c.isObject()) {
            throw new Finetune4jException(file + ": not a JSON object");
        }
        check(c, "vocab_size", shape.vocab(), file);
        check(c, "hidden_size", shape.hidden(), file);
        check(c, "num_hidden_layers", shape.layers(), file);
        check(c, "intermediate_size", shape.intermediate(), file);
        check(c, "max_position_embeddings", shape.positions(), file);
        check(c, "type_vocab_size", shape.typeVocab(), file);
        return c;
    }

    /** The head count: {@code --heads}, else the config's, else hidden / 64; a disagreement is an error. */
    static int heads(Integer flag, JsonNode config, int hidden, Path file) {
        Integer stated = config != null && config.has("num_attention_heads") ? config.get("num_attention_heads").asInt() : null;
        if (flag != null && stated != null && !flag.equals(stated)) {
            throw new Finetune4jException(file + ": num_attention_heads is " + stated + " but --heads says " + flag);
        }
        int heads = flag != null ? flag : stated != null ? stated : Math.max(1, hidden / 64);
        if (heads < 1 || hidden % heads != 0) {
            throw new Finetune4jException("hidden size " + hidden + " is not a multiple of " + heads + " attention heads"
                    + (flag == null ? "; give --heads" : ""));
        }
        return heads;
    }

    private static void check(JsonNode c, String key, int actual, Path file) {
        if (c.has(key) && c.get(key).asLong() != actual) {
            throw new Finetune4jException(file + ": " + key + " is " + c.get(key).asText() + " but the checkpoint's weights say " + actual);
        }
    }
}
