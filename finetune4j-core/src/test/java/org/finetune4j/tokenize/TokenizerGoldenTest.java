package org.finetune4j.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every tokenizer_golden.json value (made by the slow HF tokenizers) reproduced: from the slow files
 * (vocab.txt, vocab.json + merges.txt), and from a tokenizer.json written from the built document,
 * with BPE merges spelled both as {@code ["a","b"]} pairs and as {@code "a b"} strings.
 */
class TokenizerGoldenTest {

    static final List<String> FOLDERS = List.of("bert-seqcls", "roberta-seqcls", "gpt2-lm");
    static final List<String> SOURCES = List.of("slow files", "tokenizer.json merges as pairs", "tokenizer.json merges as strings");

    @TempDir
    static Path tmp;

    private static final Map<String, Tokenizer> CACHE = new HashMap<>();

    @AfterAll
    static void closeAll() {
        CACHE.values().forEach(Tokenizer::close);
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String folder : FOLDERS) {
            for (String source : SOURCES) {
                for (JsonNode c : Fixtures.golden(folder).get("cases")) {
                    out.add(Arguments.of(folder, source, c.get("name").asText()));
                }
            }
        }
        return out.stream();
    }

    static Stream<Arguments> pairs() {
        return FOLDERS.stream().flatMap(f -> SOURCES.stream().map(s -> Arguments.of(f, s)));
    }

    @ParameterizedTest(name = "{0} from {1}: {2}")
    @MethodSource("cases")
    void caseMatchesGolden(String folder, String source, String name) throws IOException {
        Tokenizer tok = tokenizer(folder, source);
        JsonNode c = caseNamed(folder, name);
        String text = c.get("text").asText();

        assertThat(tok.tokenize(text)).as("tokens").containsExactlyElementsOf(Fixtures.strings(c.get("tokens")));

        Encoding plain = tok.encode(text, null, 0, false);
        assertEncoding(plain, c.get("plain"));
        assertThat(plain.tokens()).as("tokens with specials").containsExactlyElementsOf(Fixtures.strings(c.get("plain_tokens_with_specials")));

        Encoding padded = tok.encode(text, null, 16, true);
        assertEncoding(padded, c.get("max_length_16"));
        assertThat(padded.tokens()).as("max_length_16 tokens").containsExactlyElementsOf(Fixtures.strings(c.get("max_length_16_tokens")));

        assertThat(tok.decode(Fixtures.longs(c.get("plain").get("input_ids")), true)).as("decoded").isEqualTo(c.get("decoded").asText());
    }

    @ParameterizedTest(name = "{0} from {1}")
    @MethodSource("pairs")
    void pairCaseMatchesGolden(String folder, String source) throws IOException {
        Tokenizer tok = tokenizer(folder, source);
        JsonNode p = Fixtures.golden(folder).get("pair_case");
        Encoding e = tok.encode(p.get("text").asText(), p.get("text_pair").asText(), 0, false);
        assertEncoding(e, p.get("encoding"));
        assertThat(e.tokens()).containsExactlyElementsOf(Fixtures.strings(p.get("tokens")));
    }

    /** Ids and mask always; type ids where the golden has them (single texts are all 0 otherwise). */
    static void assertEncoding(Encoding e, JsonNode golden) {
        assertThat(e.ids()).as("input_ids").containsExactly(Fixtures.longs(golden.get("input_ids")));
        assertThat(e.attentionMask()).as("attention_mask").containsExactly(Fixtures.longs(golden.get("attention_mask")));
        assertThat(e.tokens()).hasSameSizeAs(e.ids());
        if (golden.has("token_type_ids")) {
            assertThat(e.typeIds()).as("token_type_ids").containsExactly(Fixtures.longs(golden.get("token_type_ids")));
        } else {
            assertThat(e.typeIds()).hasSameSizeAs(e.ids());
        }
    }

    static JsonNode caseNamed(String folder, String name) {
        for (JsonNode c : Fixtures.golden(folder).get("cases")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException(name);
    }

    private static synchronized Tokenizer tokenizer(String folder, String source) throws IOException {
        String key = folder + "/" + source;
        Tokenizer cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        Tokenizer tok;
        if (source.equals("slow files")) {
            tok = Tokenizer.load(Fixtures.dir(folder));
        } else {
            tok = Tokenizer.load(writeTokenizerJson(folder, source.endsWith("strings"), tmp.resolve(key.replace(' ', '_'))));
            assertThat(tok.kind()).isEqualTo("tokenizer.json");
        }
        CACHE.put(key, tok);
        return tok;
    }

    /** A folder with tokenizer.json (built from the slow files) and the configs, but no slow files. */
    static Path writeTokenizerJson(String folder, boolean mergesAsStrings, Path target) throws IOException {
        Files.createDirectories(target);
        for (String f : List.of("tokenizer_config.json", "special_tokens_map.json", "config.json")) {
            Files.copy(Fixtures.dir(folder).resolve(f), target.resolve(f));
        }
        ObjectNode doc;
        try (Tokenizer built = Tokenizer.load(Fixtures.dir(folder))) {
            doc = (ObjectNode) Fixtures.MAPPER.readTree(built.json());
        }
        JsonNode merges = doc.path("model").path("merges");
        if (mergesAsStrings && merges.isArray()) {
            ArrayNode strings = Fixtures.MAPPER.createArrayNode();
            merges.forEach(m -> strings.add(m.get(0).asText() + " " + m.get(1).asText()));
            ((ObjectNode) doc.get("model")).set("merges", strings);
        }
        Files.writeString(target.resolve("tokenizer.json"), Fixtures.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
        return target;
    }
}
