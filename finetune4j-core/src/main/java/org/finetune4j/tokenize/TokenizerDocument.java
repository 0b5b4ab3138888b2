package org.finetune4j.tokenize;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;

/**
 * Builds the tokenizer.json document that Transformers' slow-to-fast converter would build from
 * {@code vocab.txt} (BERT WordPiece) or {@code vocab.json} + {@code merges.txt} (GPT-2 / RoBERTa
 * byte-level BPE), so the Rust tokenizer gives the same ids as the slow Python tokenizer.
 */
final class TokenizerDocument {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private TokenizerDocument() {}

    /** BERT: BertNormalizer, BertPreTokenizer, WordPiece ("##", 100 chars), {@code [CLS] A [SEP] B [SEP]}. */
    static ObjectNode wordPiece(Path vocabFile, Map<String, Integer> vocab, TokenizerConfig cfg) {
        List<AddedToken> added = addedTokens(vocab, cfg);
        String cls = required(vocabFile, vocab, added, cfg, "cls_token", "[CLS]");
        String sep = required(vocabFile, vocab, added, cfg, "sep_token", "[SEP]");
        String unk = required(vocabFile, vocab, added, cfg, "unk_token", "[UNK]");
        ObjectNode doc = header(added);
        ObjectNode norm = doc.putObject("normalizer");
        norm.put("type", "BertNormalizer");
        norm.put("clean_text", true);
        norm.put("handle_chinese_chars", cfg.tokenizeChineseChars());
        if (cfg.stripAccents() == null) {
            norm.putNull("strip_accents");
        } else {
            norm.put("strip_accents", cfg.stripAccents());
        }
        norm.put("lowercase", cfg.doLowerCase());
        doc.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        Map<String, Integer> ids = idsOf(vocab, added, cls, sep);
        doc.set("post_processor", template(List.of(cls + ":0", "$A:0", sep + ":0"),
                List.of(cls + ":0", "$A:0", sep + ":0", "$B:1", sep + ":1"), ids));
        ObjectNode dec = doc.putObject("decoder");
        dec.put("type", "WordPiece");
        dec.put("prefix", "##");
        dec.put("cleanup", true);
        ObjectNode model = doc.putObject("model");
        model.put("type", "WordPiece");
        model.put("unk_token", unk);
        model.put("continuing_subword_prefix", "##");
        model.put("max_input_chars_per_word", 100);
        model.set("vocab", vocabNode(vocab));
        return doc;
    }

    /**
     * Byte-level BPE: ByteLevel pre-tokenizer and decoder; RoBERTa-style classes get
     * {@code <s> A </s></s> B </s>}, GPT-2 gets nothing or, with {@code add_bos_token}, {@code bos A bos B}.
     */
    static ObjectNode byteLevelBpe(Path vocabFile, Map<String, Integer> vocab, List<String[]> merges, TokenizerConfig cfg) {
        List<AddedToken> added = addedTokens(vocab, cfg);
        ObjectNode doc = header(added);
        doc.putNull("normalizer");
        doc.set("pre_tokenizer", byteLevel(cfg.addPrefixSpace(), true));
        doc.set("post_processor", bpePostProcessor(vocabFile, vocab, added, cfg));
        doc.set("decoder", byteLevel(true, true));
        ObjectNode model = doc.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        model.set("vocab", vocabNode(vocab));
        ArrayNode mergeArray = model.putArray("merges");
        for (String[] m : merges) {
            mergeArray.addArray().add(m[0]).add(m[1]);
        }
        return doc;
    }

    /** True for the classes that use RoBERTa's {@code <s> A </s></s> B </s>} layout. */
    static boolean robertaStyle(String tokenizerClass) {
        return tokenizerClass.startsWith("Roberta") || tokenizerClass.startsWith("Bart")
                || tokenizerClass.startsWith("Longformer") || tokenizerClass.startsWith("Camembert");
    }

    private static ObjectNode bpePostProcessor(Path vocabFile, Map<String, Integer> vocab, List<AddedToken> added, TokenizerConfig cfg) {
        if (robertaStyle(cfg.tokenizerClass())) {
            String cls = required(vocabFile, vocab, added, cfg, "cls_token", "<s>");
            String sep = required(vocabFile, vocab, added, cfg, "sep_token", "</s>");
            Map<String, Integer> ids = idsOf(vocab, added, cls, sep);
            ObjectNode p = F.objectNode();
            p.put("type", "RobertaProcessing");
            p.putArray("sep").add(sep).add(ids.get(sep));
            p.putArray("cls").add(cls).add(ids.get(cls));
            p.put("trim_offsets", true);
            p.put("add_prefix_space", cfg.addPrefixSpace());
            return p;
        }
        if (cfg.addBosToken()) {
            String bos = required(vocabFile, vocab, added, cfg, "bos_token", "<|endoftext|>");
            return template(List.of(bos + ":0", "$A:0"), List.of(bos + ":0", "$A:0", bos + ":1", "$B:1"),
                    idsOf(vocab, added, bos));
        }
        return byteLevel(cfg.addPrefixSpace(), false);
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
        ObjectNode n = F.objectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", addPrefixSpace);
        n.put("trim_offsets", trimOffsets);
        n.put("use_regex", true);
        return n;
    }

    /** TemplateProcessing from pieces like {@code "[CLS]:0"} and {@code "$A:0"}. */
    private static ObjectNode template(List<String> single, List<String> pair, Map<String, Integer> ids) {
        ObjectNode p = F.objectNode();
        p.put("type", "TemplateProcessing");
        p.set("single", pieces(single));
        p.set("pair", pieces(pair));
        ObjectNode specials = p.putObject("special_tokens");
        ids.forEach((token, id) -> {
            ObjectNode s = specials.putObject(token);
            s.put("id", token);
            s.putArray("ids").add(id);
            s.putArray("tokens").add(token);
        });
        return p;
    }

    private static ArrayNode pieces(List<String> spec) {
        ArrayNode out = F.arrayNode();
        for (String piece : spec) {
            int colon = piece.lastIndexOf(':');
            String name = piece.substring(0, colon);
            int typeId = Integer.parseInt(piece.substring(colon + 1));
            boolean sequence = name.equals("$A") || name.equals("$B");
            ObjectNode inner = out.addObject().putObject(sequence ? "Sequence" : "SpecialToken");
            inner.put("id", sequence ? name.substring(1) : name);
            inner.put("type_id", typeId);
        }
        return out;
    }

    private static ObjectNode header(List<AddedToken> added) {
        ObjectNode doc = F.objectNode();
        doc.put("version", "1.0");
        doc.putNull("truncation");
        doc.putNull("padding");
        ArrayNode list = doc.putArray("added_tokens");
        added.forEach(t -> list.add(t.toJson()));
        return doc;
    }

    private static ObjectNode vocabNode(Map<String, Integer> vocab) {
        ObjectNode v = F.objectNode();
        vocab.forEach(v::put);
        return v;
    }

    /**
     * The added tokens: tokenizer_config.json's {@code added_tokens_decoder} if it has one, else each
     * declared special token (its vocabulary id, or a new id after the vocabulary), as the slow
     * tokenizer registers them.
     */
    static List<AddedToken> addedTokens(Map<String, Integer> vocab, TokenizerConfig cfg) {
        List<AddedToken> added = new ArrayList<>(cfg.added());
        int next = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        for (AddedToken t : added) {
            next = Math.max(next, t.id() + 1);
        }
        for (String role : TokenizerConfig.ROLES) {
            String token = cfg.special(role);
            if (token == null || added.stream().anyMatch(t -> t.content().equals(token))) {
                continue;
            }
            Integer id = vocab.get(token);
            added.add(AddedToken.special(id != null ? id : next++, token));
        }
        added.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return added;
    }

    private static String required(Path vocabFile, Map<String, Integer> vocab, List<AddedToken> added,
            TokenizerConfig cfg, String role, String fallback) {
        String token = cfg.special(role) != null ? cfg.special(role) : fallback;
        if (!vocab.containsKey(token) && added.stream().noneMatch(t -> t.content().equals(token))) {
            throw new Finetune4jException(vocabFile + ": no id for " + role + " " + VocabFiles.quote(token));
        }
        return token;
    }

    private static Map<String, Integer> idsOf(Map<String, Integer> vocab, List<AddedToken> added, String... tokens) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (String token : tokens) {
            Integer id = added.stream().filter(t -> t.content().equals(token)).map(AddedToken::id).findFirst()
                    .orElse(vocab.get(token));
            ids.put(token, id);
        }
        return ids;
    }
}
