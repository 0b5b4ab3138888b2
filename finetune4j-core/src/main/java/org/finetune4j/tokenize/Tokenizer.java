package org.finetune4j.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;

/**
 * A Hugging Face tokenizer (the Rust library through DJL) loaded from a model folder, bit-exact with
 * Transformers. Truncation is HF's {@code longest_first} and runs in Rust; padding is done here, on
 * the right, with the folder's pad token. Calls are serialised: the native truncation setting is
 * per tokenizer. Close it to free the native tokenizer.
 */
public final class Tokenizer implements AutoCloseable {

    private static final TokenizersLibrary LIB = TokenizersLibrary.LIB;

    /** The files a model folder's tokenizer may consist of. */
    public static final java.util.List<String> FILES = java.util.List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "vocab.txt", "vocab.json", "merges.txt", "added_tokens.json");

    /** Whether {@code dir} holds any tokenizer file. */
    public static boolean present(Path dir) {
        return FILES.stream().anyMatch(f -> Files.isRegularFile(dir.resolve(f)));
    }

    /** Copies the tokenizer files of {@code from} (those present) into {@code to}. */
    public static void copyFiles(Path from, Path to) throws java.io.IOException {
        for (String name : FILES) {
            Path f = from.resolve(name);
            if (Files.isRegularFile(f)) {
                Files.copy(f, to.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private final Path dir;
    private final String kind;
    private final String json;
    private final HuggingFaceTokenizer hf;
    private final Map<String, Integer> vocab;
    private final SpecialTokens special;
    private final Map<String, String> specialTexts;
    private final String padToken;
    private final boolean cleanUpSpaces;
    private final int singleSpecials;
    private final int pairSpecials;
    private String truncation = null; // the truncation set in the native tokenizer ("0" = off), null = unknown

    private Tokenizer(Path dir, Path source, String kind, String json, JsonNode doc, TokenizerConfig cfg) {
        this.dir = dir;
        this.kind = kind;
        this.json = json;
        this.vocab = vocabulary(doc);
        this.padToken = cfg.special("pad_token") != null ? cfg.special("pad_token") : doc.path("padding").path("pad_token").textValue();
        this.special = specials(doc, cfg, padToken, vocab);
        this.specialTexts = cfg.specials();
        this.cleanUpSpaces = cfg.cleanUpSpaces();
        this.hf = newNative(source, json);
        try {
            this.singleSpecials = encodeRaw("", null, true, 0).length();
            this.pairSpecials = encodeRaw("", "", true, 0).length();
        } catch (RuntimeException e) {
            hf.close();
            throw e;
        }
    }

    /** Loads {@code tokenizer.json}, else builds one from {@code vocab.txt}, else from {@code vocab.json} + {@code merges.txt}. */
    public static Tokenizer load(Path modelDir) {
        if (!Files.isDirectory(modelDir)) {
            throw new Finetune4jException(modelDir + ": not a folder");
        }
        TokenizerConfig cfg = TokenizerConfig.read(modelDir);
        Path tokenizerJson = modelDir.resolve("tokenizer.json");
        Path vocabTxt = modelDir.resolve("vocab.txt");
        Path vocabJson = modelDir.resolve("vocab.json");
        Path merges = modelDir.resolve("merges.txt");
        if (Files.isRegularFile(tokenizerJson)) {
            String text = JsonFiles.readText(tokenizerJson);
            JsonNode doc = JsonFiles.parse(tokenizerJson, text);
            return new Tokenizer(modelDir, tokenizerJson, "tokenizer.json", text, doc, cfg);
        }
        if (Files.isRegularFile(vocabTxt)) {
            JsonNode doc = TokenizerDocument.wordPiece(vocabTxt, VocabFiles.readVocabTxt(vocabTxt), cfg);
            return new Tokenizer(modelDir, vocabTxt, "wordpiece (vocab.txt)", doc.toString(), doc, cfg);
        }
        if (Files.isRegularFile(vocabJson) && Files.isRegularFile(merges)) {
            Map<String, Integer> v = VocabFiles.readVocabJson(vocabJson);
            List<String[]> m = VocabFiles.readMerges(merges);
            VocabFiles.checkMerges(merges, m, v);
            JsonNode doc = TokenizerDocument.byteLevelBpe(vocabJson, v, m, cfg);
            return new Tokenizer(modelDir, vocabJson, "byte-level bpe (vocab.json + merges.txt)", doc.toString(), doc, cfg);
        }
        String found = Files.isRegularFile(vocabJson) ? "vocab.json without merges.txt; "
                : Files.isRegularFile(merges) ? "merges.txt without vocab.json; " : "";
        throw new Finetune4jException(modelDir + ": no tokenizer (" + found
                + "expected tokenizer.json, vocab.txt or vocab.json + merges.txt)");
    }

    /** The tokens of {@code text} without special tokens, like HF {@code tokenize()}. */
    public List<String> tokenize(String text) {
        return List.of(encodeRaw(text, null, false, 0).tokens());
    }

    /**
     * Encodes {@code text} (and {@code pair}, nullable) with special tokens, like HF
     * {@code tok(text, pair, max_length=maxLength, truncation=True, padding="max_length" if padToMax)}.
     * {@code maxLength} 0 means no truncation (and then {@code padToMax} must be false).
     */
    public Encoding encode(String text, String pair, int maxLength, boolean padToMax) {
        if (padToMax && maxLength <= 0) {
            throw new IllegalArgumentException("padToMax needs maxLength > 0");
        }
        Encoding e = encodeRaw(text, pair, true, maxLength);
        return padToMax ? pad(e, maxLength) : e;
    }

    /** Encodes rows (with optional pairs), truncated to {@code maxLength} (0 = none), padded to the longest row. */
    public Batch encodeBatch(List<String> texts, List<String> pairs, int maxLength) {
        if (pairs != null && pairs.size() != texts.size()) {
            throw new IllegalArgumentException(texts.size() + " texts but " + pairs.size() + " pairs");
        }
        Encoding[] rows = new Encoding[texts.size()];
        int longest = 0;
        for (int i = 0; i < rows.length; i++) {
            rows[i] = encodeRaw(texts.get(i), pairs == null ? null : pairs.get(i), true, maxLength);
            longest = Math.max(longest, rows[i].length());
        }
        long[][] ids = new long[rows.length][];
        long[][] mask = new long[rows.length][];
        long[][] types = new long[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            Encoding e = pad(rows[i], longest);
            ids[i] = e.ids();
            mask[i] = e.attentionMask();
            types[i] = e.typeIds();
        }
        return new Batch(ids, mask, types);
    }

    /**
     * Encodes {@code text} whole (no truncation), with special tokens when {@code specials}, and
     * the character span of every token, as HF {@code return_offsets_mapping=True} gives them.
     */
    public synchronized TokenSpans encodeWithSpans(String text, boolean specials) {
        long handle = hf.getHandle();
        setTruncation(handle, 0);
        long enc;
        try {
            enc = LIB.encode(handle, text, specials);
        } catch (RuntimeException e) {
            throw new Finetune4jException(dir + ": cannot encode text (" + JsonFiles.oneLine(e) + ")", e);
        }
        try {
            long[] ids = LIB.getTokenIds(enc);
            long[] specialMask = LIB.getSpecialTokenMask(enc);
            ai.djl.huggingface.tokenizers.jni.CharSpan[] spans = LIB.getTokenCharSpans(enc);
            int[] starts = new int[ids.length];
            int[] ends = new int[ids.length];
            int[] utf16 = codePointToUtf16(text);
            for (int i = 0; i < ids.length; i++) {
                var s = spans[i];
                boolean added = s == null || (specialMask[i] == 1 && s.getStart() == s.getEnd());
                starts[i] = added ? -1 : utf16[s.getStart()];
                ends[i] = added ? -1 : utf16[s.getEnd()];
            }
            return new TokenSpans(ids, starts, ends);
        } finally {
            LIB.deleteEncoding(enc);
        }
    }

    /** The UTF-16 index of each code point index of {@code s} (the library counts code points), one past the end too. */
    private static int[] codePointToUtf16(String s) {
        int[] map = new int[s.codePointCount(0, s.length()) + 1];
        int i = 0;
        for (int cp = 0; cp < map.length - 1; cp++) {
            map[cp] = i;
            i += Character.charCount(s.codePointAt(i));
        }
        map[map.length - 1] = s.length();
        return map;
    }

    /** The text of a special token by role ({@code "eos_token"}, ...) as the folder declares it, or null. */
    public String specialText(String role) {
        return specialTexts.get(role);
    }

    /** The folder this tokenizer was loaded from. */
    public Path dir() {
        return dir;
    }

    /** Decodes ids to text like HF {@code decode(ids, skip_special_tokens=...)}; unknown ids are skipped. */
    public synchronized String decode(long[] ids, boolean skipSpecialTokens) {
        String text = hf.decode(ids, skipSpecialTokens);
        return cleanUpSpaces ? cleanUp(text) : text;
    }

    /** Ids of the declared special tokens (-1 where none). */
    public SpecialTokens special() {
        return special;
    }

    /** Number of distinct tokens including added tokens, like HF {@code len(tokenizer)}. */
    public int vocabSize() {
        return vocab.size();
    }

    /**
     * Fails unless every id this tokenizer can produce has one of the model's {@code rows} embedding rows
     * (config.json's vocab_size): a larger id would fail deep inside the first forward pass.
     */
    public void checkIdsBelow(int rows) {
        Map.Entry<String, Integer> largest = vocab.entrySet().stream().max(Map.Entry.comparingByValue()).orElse(null);
        if (largest != null && largest.getValue() >= rows) {
            throw new Finetune4jException(dir + ": the tokenizer (" + kind + ") gives token "
                    + VocabFiles.quote(largest.getKey()) + " the id " + largest.getValue() + ", past the model's " + rows
                    + " embedding rows (vocab_size in config.json)");
        }
    }

    /** Where the tokenizer came from: tokenizer.json, wordpiece (vocab.txt) or byte-level bpe (vocab.json + merges.txt). */
    public String kind() {
        return kind;
    }

    /** The id of a token (special or not), or -1. */
    public int tokenId(String token) {
        return vocab.getOrDefault(token, -1);
    }

    /** The tokenizer.json document in use (loaded, or built from the slow-tokenizer files). */
    String json() {
        return json;
    }

    @Override
    public synchronized void close() {
        hf.close();
    }

    private synchronized Encoding encodeRaw(String text, String pair, boolean specials, int maxLength) {
        int needed = pair == null ? singleSpecials : pairSpecials;
        if (maxLength < 0 || (maxLength > 0 && specials && maxLength < needed)) {
            throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for the " + needed + " special tokens");
        }
        for (int chars = 8 * maxLength + 64; maxLength > 0; chars = chars >= (1 << 28) ? Integer.MAX_VALUE : chars * 4) {
            String t = prefix(text, chars);
            String p = pair == null ? null : prefix(pair, chars);
            if (t == text && p == pair) {
                break;
            }
            if ((t == text || count(t) > maxLength + 2) && (p == pair || count(p) > maxLength + 2)) {
                return encodeNative(t, p, specials, maxLength);
            }
        }
        return encodeNative(text, pair, specials, maxLength);
    }

    /**
     * {@code text} cut before the whitespace run nearest to {@code chars} characters (every pre-tokenizer splits
     * there), or {@code text} itself when no shorter. A text truncated to max_length tokens is encoded from
     * such a prefix once it gives more tokens than that, so a 10 MB text costs what its first few words do.
     * (For a pair whose two texts are both cut, which one keeps the odd token of an odd budget follows the
     * prefixes' lengths, not the whole texts'.)
     */
    static String prefix(String text, int chars) {
        if (text.length() <= chars) {
            return text;
        }
        int k = chars;
        while (k > chars / 2 && !Character.isWhitespace(text.charAt(k))) {
            k--;
        }
        if (k == chars / 2) {
            k = Character.isLowSurrogate(text.charAt(chars)) ? chars - 1 : chars; // no whitespace near: cut anyway
        }
        while (k > 1 && Character.isWhitespace(text.charAt(k - 1))) {
            k--;
        }
        return text.substring(0, k);
    }

    /** Tokens of {@code text} without special tokens or truncation. */
    private int count(String text) {
        return encodeNative(text, null, false, 0).length();
    }

    /** Characters handed to the native tokenizer so far (tests check that truncation bounds the work). */
    long encodedChars;

    private Encoding encodeNative(String text, String pair, boolean specials, int maxLength) {
        encodedChars += text.length() + (pair == null ? 0 : pair.length());
        long handle = hf.getHandle();
        setTruncation(handle, maxLength);
        long enc;
        try {
            enc = pair == null ? LIB.encode(handle, text, specials) : LIB.encodeDual(handle, text, pair, specials);
        } catch (RuntimeException e) {
            throw new Finetune4jException(dir + ": cannot encode text (" + JsonFiles.oneLine(e) + ")", e);
        }
        try {
            return new Encoding(LIB.getTokenIds(enc), LIB.getAttentionMask(enc), LIB.getTypeIds(enc), LIB.getTokens(enc));
        } finally {
            LIB.deleteEncoding(enc);
        }
    }

    private void setTruncation(long handle, int maxLength) {
        setTruncation(handle, maxLength, "LONGEST_FIRST", 0);
    }

    private void setTruncation(long handle, int maxLength, String strategy, int stride) {
        String key = maxLength == 0 ? "0" : maxLength + " " + strategy + " " + stride;
        if (key.equals(truncation)) {
            return;
        }
        if (maxLength == 0) {
            LIB.disableTruncation(handle);
        } else {
            LIB.setTruncation(handle, maxLength, strategy, stride);
        }
        truncation = key;
    }

    /**
     * Encodes pre-split words with special tokens, like HF {@code tok(words, is_split_into_words=True,
     * truncation=True, max_length=maxLength)} ({@code maxLength} 0: no truncation); word ids index {@code words}.
     */
    public synchronized Pieces encodeWords(List<String> words, int maxLength) {
        long handle = hf.getHandle();
        setTruncation(handle, maxLength);
        long enc;
        try {
            enc = LIB.encodeList(handle, words.toArray(String[]::new), true);
        } catch (RuntimeException e) {
            throw new Finetune4jException(dir + ": cannot encode words (" + JsonFiles.oneLine(e) + ")", e);
        }
        try {
            return pieces(enc, null, null);
        } finally {
            LIB.deleteEncoding(enc);
        }
    }

    /**
     * Encodes {@code text} with special tokens and its offsets, truncated to {@code maxLength} (0 = none);
     * word ids are the pre-tokenizer's words.
     */
    public synchronized Pieces encodeWithOffsets(String text, int maxLength) {
        if (maxLength > 0) { // as encodeRaw: a long text costs what the prefix that fills max_length does
            String t = prefix(text, 8 * maxLength + 64);
            text = t != text && count(t) > maxLength + 2 ? t : text;
        }
        long handle = hf.getHandle();
        setTruncation(handle, maxLength);
        long enc;
        try {
            enc = LIB.encode(handle, text, true);
        } catch (RuntimeException e) {
            throw new Finetune4jException(dir + ": cannot encode text (" + JsonFiles.oneLine(e) + ")", e);
        }
        try {
            return pieces(enc, text, null);
        } finally {
            LIB.deleteEncoding(enc);
        }
    }

    /**
     * The windows of a question and a long context, like HF {@code tok(question, context,
     * truncation="only_second", max_length=maxLength, stride=stride, return_overflowing_tokens=True,
     * return_offsets_mapping=True)}: each window holds the whole question and a part of the context,
     * consecutive windows overlap by {@code stride} context tokens. A question that leaves no room for
     * the context is an {@code IllegalArgumentException}.
     */
    public synchronized List<Pieces> encodeWindows(String question, String context, int maxLength, int stride) {
        long handle = hf.getHandle();
        setTruncation(handle, maxLength, "ONLY_SECOND", stride);
        long enc;
        try {
            enc = LIB.encodeDual(handle, question, context, true);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("leaves too little room for the context in max_length " + maxLength + " with doc_stride " + stride + " ("
                    + JsonFiles.oneLine(e) + ")", e);
        }
        List<Pieces> out = new java.util.ArrayList<>();
        try {
            out.add(pieces(enc, question, context));
            for (long o : LIB.getOverflowing(enc)) {
                try {
                    out.add(pieces(o, question, context));
                } finally {
                    LIB.deleteEncoding(o);
                }
            }
        } finally {
            LIB.deleteEncoding(enc);
        }
        return out;
    }

    /** An encoding's ids and alignment; offsets are turned from code points into char indices of its text. */
    private static Pieces pieces(long enc, String first, String second) {
        long[] ids = LIB.getTokenIds(enc);
        long[] words = LIB.getWordIds(enc);
        long[] seqs = LIB.getSequenceIds(enc);
        ai.djl.huggingface.tokenizers.jni.CharSpan[] spans = LIB.getTokenCharSpans(enc);
        int n = ids.length;
        int[] w = new int[n];
        int[] q = new int[n];
        int[] s = new int[n];
        int[] e = new int[n];
        for (int t = 0; t < n; t++) {
            w[t] = (int) words[t];
            q[t] = (int) seqs[t];
            String text = q[t] == 1 ? second : first;
            if (spans[t] == null || q[t] < 0) {
                s[t] = -1;
                e[t] = -1;
            } else {
                s[t] = charIndex(text, spans[t].getStart());
                e[t] = charIndex(text, spans[t].getEnd());
            }
        }
        return new Pieces(ids, LIB.getTypeIds(enc), LIB.getTokens(enc), w, q, s, e);
    }

    /** The char index of code point {@code cp} of {@code text} (identity when the text has no surrogates or is unknown). */
    private static int charIndex(String text, int cp) {
        if (text == null || text.length() == text.codePointCount(0, text.length())) {
            return cp;
        }
        return text.offsetByCodePoints(0, Math.min(cp, text.codePointCount(0, text.length())));
    }

    private Encoding pad(Encoding e, int length) {
        int n = e.length();
        if (n >= length) {
            return e;
        }
        if (special.pad() < 0) {
            throw new Finetune4jException(dir + ": no pad token, cannot pad (set pad_token in tokenizer_config.json)");
        }
        long[] ids = Arrays.copyOf(e.ids(), length);
        Arrays.fill(ids, n, length, special.pad());
        String[] tokens = Arrays.copyOf(e.tokens(), length);
        Arrays.fill(tokens, n, length, padToken);
        return new Encoding(ids, Arrays.copyOf(e.attentionMask(), length), Arrays.copyOf(e.typeIds(), length), tokens);
    }

    /** Transformers' {@code clean_up_tokenization}, applied after decoding when the config asks for it. */
    static String cleanUp(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                .replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re");
    }

    private static HuggingFaceTokenizer newNative(Path source, String json) {
        Map<String, String> options = Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false");
        try {
            return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), options);
        } catch (IOException | RuntimeException e) {
            throw new Finetune4jException(source + ": rejected by the tokenizer library (" + JsonFiles.oneLine(e) + ")", e);
        }
    }

    /** Token to id over the model vocabulary (object, or Unigram's [piece, score] list) and the added tokens. */
    private static Map<String, Integer> vocabulary(JsonNode doc) {
        Map<String, Integer> v = new HashMap<>();
        JsonNode model = doc.path("model").path("vocab");
        if (model.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = model.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                v.put(e.getKey(), e.getValue().asInt());
            }
        } else if (model.isArray()) {
            for (int i = 0; i < model.size(); i++) {
                v.put(model.get(i).path(0).asText(), i);
            }
        }
        for (JsonNode t : doc.path("added_tokens")) {
            v.put(t.path("content").asText(), t.path("id").asInt());
        }
        return v;
    }

    private static SpecialTokens specials(JsonNode doc, TokenizerConfig cfg, String padToken, Map<String, Integer> vocab) {
        int[] ids = new int[TokenizerConfig.ROLES.size()];
        for (int i = 0; i < ids.length; i++) {
            String role = TokenizerConfig.ROLES.get(i);
            String token = cfg.special(role);
            if (token == null && role.equals("unk_token")) {
                token = doc.path("model").path("unk_token").textValue();
            } else if (token == null && role.equals("pad_token")) {
                token = padToken;
            }
            ids[i] = token == null ? -1 : vocab.getOrDefault(token, -1);
        }
        return new SpecialTokens(ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6]);
    }
}
