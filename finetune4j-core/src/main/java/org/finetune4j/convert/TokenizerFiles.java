package org.finetune4j.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.tokenize.Tokenizer;

/**
 * The tokenizer files of an imported BERT: Google's {@code vocab.txt} or an export's {@code tokenizer.json},
 * copied as they are, with a {@code tokenizer_config.json} (BertTokenizer, lower-casing, the model's
 * length, the special tokens); then loaded once, so a tokenizer that does not fit the model fails the import.
 */
final class TokenizerFiles {

    private static final List<String[]> SPECIALS = List.of(new String[] {"unk_token", "[UNK]"},
            new String[] {"sep_token", "[SEP]"}, new String[] {"pad_token", "[PAD]"},
            new String[] {"cls_token", "[CLS]"}, new String[] {"mask_token", "[MASK]"});

    private TokenizerFiles() {}

    /**
     * Copies a WordPiece {@code vocab.txt} into {@code dir}. Lower-casing is decided from the vocabulary:
     * Google's cased vocabularies hold thousands of capitalised words, the uncased ones none outside
     * the special tokens. Returns a line for the summary.
     */
    static String wordPiece(Path vocab, String shown, Path dir, int vocabSize, int maxLength) throws IOException {
        if (!Files.isRegularFile(vocab)) {
            throw new Finetune4jException(shown + ": no such file");
        }
        List<String> lines = Files.readAllLines(vocab, StandardCharsets.UTF_8);
        long capitalised = lines.stream().filter(t -> !t.startsWith("[") && !t.equals(t.toLowerCase(java.util.Locale.ROOT))).count();
        boolean lower = capitalised * 100 < lines.size();
        Files.copy(vocab, dir.resolve("vocab.txt"));
        write(dir, lower, maxLength, vocabSize, shown);
        return "tokenizer: " + shown + " (" + lines.size() + " tokens, " + (lower ? "lower-cased" : "cased") + ")";
    }

    /** Copies a {@code tokenizer.json} into {@code dir}; lower-casing is its normalizer's. Returns a line for the summary. */
    static String tokenizerJson(Path json, String shown, Path dir, int vocabSize, int maxLength) throws IOException {
        JsonNode doc;
        try {
            doc = OutputFolder.JSON.readTree(json.toFile());
        } catch (IOException e) {
            throw new Finetune4jException(shown + ": not valid JSON (" + e.getClass().getSimpleName() + ")");
        }
        boolean lower = doc.path("normalizer").path("lowercase").asBoolean(false);
        Files.copy(json, dir.resolve("tokenizer.json"));
        write(dir, lower, maxLength, vocabSize, shown);
        return "tokenizer: " + shown + " (" + (lower ? "lower-cased" : "cased") + ")";
    }

    private static void write(Path dir, boolean lower, int maxLength, int vocabSize, String source) throws IOException {
        ObjectNode c = OutputFolder.JSON.createObjectNode();
        c.put("tokenizer_class", "BertTokenizer");
        c.put("do_lower_case", lower);
        c.put("model_max_length", maxLength);
        SPECIALS.forEach(s -> c.put(s[0], s[1]));
        Files.writeString(dir.resolve("tokenizer_config.json"), OutputFolder.JSON.writeValueAsString(c) + "\n");
        try (Tokenizer tok = Tokenizer.load(dir)) {
            if (tok.vocabSize() > vocabSize) {
                throw new Finetune4jException(source + ": the tokenizer has " + tok.vocabSize()
                        + " tokens but the model's vocabulary has " + vocabSize);
            }
        } catch (Finetune4jException e) {
            throw new Finetune4jException(source + ": not a usable BERT tokenizer (" + e.getMessage() + ")", e);
        }
    }
}
