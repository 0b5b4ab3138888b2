package org.finetune4j.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;

/**
 * What tokenizer_config.json, special_tokens_map.json and added_tokens.json say (all optional).
 * {@code specials} maps a role ({@code "pad_token"}, ...) to its token text; special_tokens_map.json
 * overrides tokenizer_config.json, as in Transformers. Defaults are those of the slow HF classes.
 */
record TokenizerConfig(
        String tokenizerClass,
        boolean doLowerCase,
        Boolean stripAccents,
        boolean tokenizeChineseChars,
        boolean addPrefixSpace,
        boolean addBosToken,
        boolean cleanUpSpaces,
        Map<String, String> specials,
        List<AddedToken> added) {

    static final List<String> ROLES =
            List.of("pad_token", "unk_token", "bos_token", "eos_token", "cls_token", "sep_token", "mask_token");

    /** Reads the optional config files of {@code dir}. */
    static TokenizerConfig read(Path dir) {
        JsonNode cfg = optionalObject(dir.resolve("tokenizer_config.json"));
        JsonNode map = optionalObject(dir.resolve("special_tokens_map.json"));
        Map<String, String> specials = new LinkedHashMap<>();
        for (String role : ROLES) {
            String text = tokenText(map.get(role));
            if (text == null) {
                text = tokenText(cfg.get(role));
            }
            if (text != null) {
                specials.put(role, text);
            }
        }
        JsonNode strip = cfg.get("strip_accents");
        return new TokenizerConfig(
                cfg.path("tokenizer_class").asText(""),
                cfg.path("do_lower_case").asBoolean(true),
                strip == null || strip.isNull() ? null : strip.asBoolean(),
                cfg.path("tokenize_chinese_chars").asBoolean(true),
                cfg.path("add_prefix_space").asBoolean(false),
                cfg.path("add_bos_token").asBoolean(false),
                cfg.path("clean_up_tokenization_spaces").asBoolean(false),
                specials,
                addedTokens(dir, cfg));
    }

    /** The token text of a role, or null. */
    String special(String role) {
        return specials.get(role);
    }

    private static List<AddedToken> addedTokens(Path dir, JsonNode cfg) {
        List<AddedToken> added = new ArrayList<>();
        Path cfgFile = dir.resolve("tokenizer_config.json");
        for (Iterator<Map.Entry<String, JsonNode>> it = cfg.path("added_tokens_decoder").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            added.add(AddedToken.fromConfig(parseId(cfgFile, e.getKey()), e.getValue()));
        }
        JsonNode extra = optionalObject(dir.resolve("added_tokens.json"));
        for (Iterator<Map.Entry<String, JsonNode>> it = extra.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            boolean known = added.stream().anyMatch(t -> t.content().equals(e.getKey()));
            if (!known && e.getValue().canConvertToInt()) {
                added.add(new AddedToken(e.getValue().intValue(), e.getKey(), false, false, false, true, false));
            }
        }
        return added;
    }

    private static int parseId(Path file, String key) {
        try {
            return Integer.parseInt(key);
        } catch (NumberFormatException e) {
            throw new Finetune4jException(file + ": added_tokens_decoder key " + VocabFiles.quote(key) + " is not an id");
        }
    }

    /** A special token written as a string or as an AddedToken object; null when absent or null. */
    private static String tokenText(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        JsonNode content = node.get("content");
        return content != null && content.isTextual() ? content.asText() : null;
    }

    private static JsonNode optionalObject(Path file) {
        return Files.isRegularFile(file) ? JsonFiles.readObject(file, "a JSON object") : JsonFiles.MAPPER.createObjectNode();
    }
}
