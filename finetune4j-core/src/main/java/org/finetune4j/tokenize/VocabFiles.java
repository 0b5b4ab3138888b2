package org.finetune4j.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;

/** Readers for the slow-tokenizer files: {@code vocab.txt}, {@code vocab.json}, {@code merges.txt}. */
final class VocabFiles {

    private VocabFiles() {}

    /** vocab.txt: one token per line, id = line number from 0 (a later duplicate wins, as in HF). */
    static Map<String, Integer> readVocabTxt(Path file) {
        String text = JsonFiles.readText(file);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        int id = 0;
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            vocab.put(text.substring(start, end), id++);
            start = end + 1;
        }
        if (vocab.isEmpty()) {
            throw new Finetune4jException(file + ": empty vocabulary");
        }
        return vocab;
    }

    /** vocab.json: a JSON object of token to non-negative integer id. */
    static Map<String, Integer> readVocabJson(Path file) {
        JsonNode root = JsonFiles.readObject(file, "a JSON object of token -> id");
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode id = e.getValue();
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw new Finetune4jException(file + ": id of token " + quote(e.getKey())
                        + " is not a non-negative integer: " + id);
            }
            vocab.put(e.getKey(), id.intValue());
        }
        if (vocab.isEmpty()) {
            throw new Finetune4jException(file + ": empty vocabulary");
        }
        return vocab;
    }

    /** merges.txt: "#version" header, then one merge "a b" per line; blank lines are skipped. */
    static List<String[]> readMerges(Path file) {
        String[] lines = JsonFiles.readText(file).split("\n", -1);
        List<String[]> merges = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
                continue;
            }
            String[] parts = line.split(" ", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw new Finetune4jException(file + " line " + (i + 1)
                        + ": expected two tokens separated by one space, got " + quote(line));
            }
            merges.add(parts);
        }
        return merges;
    }

    /** Checks that every merge's parts and result are in the vocabulary, as the BPE model requires. */
    static void checkMerges(Path file, List<String[]> merges, Map<String, Integer> vocab) {
        for (int i = 0; i < merges.size(); i++) {
            String[] m = merges.get(i);
            for (String token : new String[] {m[0], m[1], m[0] + m[1]}) {
                if (!vocab.containsKey(token)) {
                    throw new Finetune4jException(file + ": merge " + (i + 1) + " " + quote(m[0] + " " + m[1])
                            + " uses " + quote(token) + ", which is not in vocab.json");
                }
            }
        }
    }

    static String quote(String s) {
        String shown = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return "'" + shown.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "'";
    }
}
