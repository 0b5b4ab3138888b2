package org.finetune4j.tokenize;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.finetune4j.Finetune4jException;

/** Reads the small JSON and text files of a tokenizer folder with one-line errors naming the file. */
final class JsonFiles {

    static final ObjectMapper MAPPER = org.finetune4j.io.Json.MAPPER;

    private JsonFiles() {}

    /** The file as UTF-8 text. */
    static String readText(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Finetune4jException(file + ": cannot read (" + oneLine(e) + ")", e);
        }
    }

    /** The file parsed as JSON. */
    static JsonNode readTree(Path file) {
        return parse(file, readText(file));
    }

    /** {@code text} (the content of {@code file}) parsed as JSON. */
    static JsonNode parse(Path file, String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new Finetune4jException(file + ": empty file, expected JSON");
            }
            return node;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new Finetune4jException(file + ": malformed JSON" + where + " (" + firstLine(e.getOriginalMessage()) + ")", e);
        }
    }

    /** The file's top-level JSON object, or an error saying what the file should hold. */
    static JsonNode readObject(Path file, String expected) {
        JsonNode node = readTree(file);
        if (!node.isObject()) {
            throw new Finetune4jException(file + ": expected " + expected + ", found a JSON " + node.getNodeType().name().toLowerCase());
        }
        return node;
    }

    static String oneLine(Exception e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : firstLine(m);
    }

    private static String firstLine(String m) {
        if (m == null) {
            return "";
        }
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).strip();
    }
}
