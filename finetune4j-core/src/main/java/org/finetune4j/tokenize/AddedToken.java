package org.finetune4j.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A token matched before the model runs (special or user-added), as in tokenizer.json's {@code added_tokens}. */
public record AddedToken(
        int id, String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized, boolean special) {

    /** A special token with the defaults HF gives special tokens (no stripping, not normalized). */
    static AddedToken special(int id, String content) {
        return new AddedToken(id, content, false, false, false, false, true);
    }

    /** Reads one {@code added_tokens_decoder} entry of tokenizer_config.json. */
    static AddedToken fromConfig(int id, JsonNode entry) {
        return new AddedToken(id, entry.path("content").asText(),
                entry.path("single_word").asBoolean(false), entry.path("lstrip").asBoolean(false),
                entry.path("rstrip").asBoolean(false), entry.path("normalized").asBoolean(!entry.path("special").asBoolean(false)),
                entry.path("special").asBoolean(false));
    }

    /** The tokenizer.json form. */
    ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("id", id);
        n.put("content", content);
        n.put("single_word", singleWord);
        n.put("lstrip", lstrip);
        n.put("rstrip", rstrip);
        n.put("normalized", normalized);
        n.put("special", special);
        return n;
    }
}
