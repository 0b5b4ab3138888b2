package org.finetune4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.finetune4j.Finetune4jException;

/** JSON in and out for the commands. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {}

    static String pretty(Object node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One line of JSON (for JSON-lines output). */
    static String compact(Object node) {
        try {
            return MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new Finetune4jException(file + (Files.isDirectory(file) ? ": is a folder, not a file" : ": no such file"));
        }
        try {
            return MAPPER.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Finetune4jException(org.finetune4j.io.Json.where(file, e) + ": not valid JSON ("
                    + org.finetune4j.io.Json.problem(e) + ")");
        } catch (IOException e) {
            throw new Finetune4jException(file + ": cannot read (" + e.getClass().getSimpleName() + ")");
        }
    }
}
