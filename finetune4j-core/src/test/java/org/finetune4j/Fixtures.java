package org.finetune4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;

/** The Hugging Face goldens copied from shared/fixtures into the test resources. */
public final class Fixtures {

    private Fixtures() {}

    public static Path dir(String name) {
        try {
            return Paths.get(Fixtures.class.getResource("/fixtures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode golden(String name) {
        return json(dir(name).resolve("golden.json"));
    }
}
