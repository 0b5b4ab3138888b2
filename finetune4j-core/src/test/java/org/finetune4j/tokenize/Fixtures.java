package org.finetune4j.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test fixtures under src/test/resources/fixtures (copies of the shared HF oracle folders). */
final class Fixtures {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Fixtures() {}

    /** The fixture folder {@code name}, e.g. {@code bert-seqcls}. */
    static Path dir(String name) {
        URL url = Fixtures.class.getResource("/fixtures/" + name);
        if (url == null) {
            throw new IllegalStateException("missing test fixture " + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The folder's tokenizer_golden.json. */
    static JsonNode golden(String name) {
        try {
            return MAPPER.readTree(dir(name).resolve("tokenizer_golden.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Copies the small files of fixture {@code name} (configs, vocabularies) into {@code target}. */
    static Path copy(String name, Path target) throws IOException {
        Files.createDirectories(target);
        try (var files = Files.list(dir(name))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, target.resolve(f.getFileName().toString()));
            }
        }
        return target;
    }
}
