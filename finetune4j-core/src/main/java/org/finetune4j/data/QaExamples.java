package org.finetune4j.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Extractive question-answering examples: SQuAD v1.1 JSON ({@code data[].paragraphs[].qas[]} with
 * {@code id}, {@code question}, {@code answers[{text, answer_start}]}) or JSON Lines ({@code id},
 * {@code question}, {@code context}, {@code answers{text: [..], answer_start: [..]}}, as the HF
 * {@code squad} dataset). {@code where[i]} names example i's place in the file (a JSON path or a line).
 */
public record QaExamples(Path file, List<Example> examples) {

    /** One question with its context and gold answers (texts and their character starts, same length). */
    public record Example(String id, String question, String context, List<String> answers, int[] starts, String where) {}

    /** Number of questions. */
    public int size() {
        return examples.size();
    }

    /** Reads a .json (SQuAD) or .jsonl file; ids must be unique. */
    public static QaExamples read(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        List<Example> out = name.endsWith(".jsonl") ? jsonl(file) : squad(file);
        if (out.isEmpty()) {
            throw Problems.of(file, "no questions");
        }
        Set<String> ids = new HashSet<>();
        for (Example e : out) {
            if (!ids.add(e.id())) {
                throw Problems.of(file, e.where() + ": question id " + Problems.quote(e.id()) + " appears twice");
            }
        }
        return new QaExamples(file, List.copyOf(out));
    }

    /** The examples at {@code indices}, in that order. */
    public QaExamples subset(int[] indices) {
        return new QaExamples(file, java.util.Arrays.stream(indices).mapToObj(examples::get).toList());
    }

    /** A training part and a validation part. */
    public record Split(QaExamples train, QaExamples validation) {}

    /**
     * Splits by context, so no paragraph is in both parts: {@code ceil(ratio * contexts)} contexts,
     * the first of a seeded permutation (see {@link Sampler#permutation}), go to validation; file order is kept.
     */
    public Split split(double ratio, long seed) {
        List<String> contexts = examples.stream().map(Example::context).distinct().toList();
        int n = (int) Math.ceil(ratio * contexts.size());
        if (n < 1 || n >= contexts.size()) {
            throw Problems.of(file, "validation_split " + ratio + " of " + contexts.size() + " contexts leaves an empty part");
        }
        int[] perm = Sampler.permutation(contexts.size(), new java.util.Random(seed));
        Set<String> held = new HashSet<>();
        for (int i = 0; i < n; i++) {
            held.add(contexts.get(perm[i]));
        }
        List<Example> train = examples.stream().filter(e -> !held.contains(e.context())).toList();
        List<Example> validation = examples.stream().filter(e -> held.contains(e.context())).toList();
        return new Split(new QaExamples(file, train), new QaExamples(file, validation));
    }

    private static List<Example> squad(Path file) {
        JsonNode root;
        try (BufferedReader in = new BufferedReader(Utf8Reader.open(file))) {
            root = JsonRows.MAPPER.readTree(in);
        } catch (JacksonException e) {
            throw new org.finetune4j.Finetune4jException(org.finetune4j.io.Json.where(file, e) + ": invalid JSON: "
                    + org.finetune4j.io.Json.problem(e));
        } catch (IOException e) {
            throw Problems.of(file, "cannot read: " + Utf8Reader.describe(e));
        }
        JsonNode data = root == null ? null : root.get("data");
        if (data == null || !data.isArray()) {
            throw Problems.of(file, "no 'data' list (expected SQuAD's {\"data\": [{\"paragraphs\": [...]}]})");
        }
        List<Example> out = new ArrayList<>();
        for (int a = 0; a < data.size(); a++) {
            JsonNode paragraphs = list(file, data.get(a), "paragraphs", "data[" + a + "]");
            for (int p = 0; p < paragraphs.size(); p++) {
                String where = "data[" + a + "].paragraphs[" + p + "]";
                String context = text(file, paragraphs.get(p), "context", where);
                JsonNode qas = list(file, paragraphs.get(p), "qas", where);
                for (int q = 0; q < qas.size(); q++) {
                    String at = where + ".qas[" + q + "]";
                    JsonNode qa = qas.get(q);
                    JsonNode answers = list(file, qa, "answers", at);
                    List<String> texts = new ArrayList<>();
                    int[] starts = new int[answers.size()];
                    for (int k = 0; k < answers.size(); k++) {
                        texts.add(text(file, answers.get(k), "text", at + ".answers[" + k + "]"));
                        starts[k] = start(file, answers.get(k).get("answer_start"), at + ".answers[" + k + "]");
                    }
                    out.add(new Example(id(file, qa, at), text(file, qa, "question", at), context, List.copyOf(texts), starts, at));
                }
            }
        }
        return out;
    }

    private static List<Example> jsonl(Path file) {
        List<Example> out = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(Utf8Reader.open(file))) {
            int line = 0;
            for (String s = in.readLine(); s != null; s = in.readLine()) {
                line++;
                if (s.isBlank()) {
                    continue;
                }
                String at = "line " + line;
                JsonNode o;
                try {
                    o = JsonRows.MAPPER.readTree(s);
                } catch (JacksonException e) {
                    throw Problems.at(file, line, "invalid JSON: " + JsonRows.message(e));
                }
                JsonNode answers = o.get("answers");
                if (answers == null || !answers.isObject()) {
                    throw Problems.at(file, line, "no 'answers' object ({\"text\": [...], \"answer_start\": [...]})");
                }
                JsonNode texts = list(file, answers, "text", at + " answers");
                JsonNode starts = list(file, answers, "answer_start", at + " answers");
                if (texts.size() != starts.size()) {
                    throw Problems.at(file, line, texts.size() + " answer texts but " + starts.size() + " answer starts");
                }
                List<String> t = new ArrayList<>();
                int[] st = new int[starts.size()];
                for (int k = 0; k < texts.size(); k++) {
                    if (!texts.get(k).isTextual()) {
                        throw Problems.at(file, line, "answers.text[" + k + "] is not a string");
                    }
                    t.add(texts.get(k).asText());
                    st[k] = start(file, starts.get(k), at + " answers.answer_start[" + k + "]");
                }
                out.add(new Example(id(file, o, at), text(file, o, "question", at), text(file, o, "context", at),
                        List.copyOf(t), st, file + ":" + line));
            }
        } catch (IOException e) {
            throw Problems.of(file, "cannot read: " + Utf8Reader.describe(e));
        }
        return out;
    }

    private static JsonNode list(Path file, JsonNode o, String key, String where) {
        JsonNode n = o == null ? null : o.get(key);
        if (n == null || !n.isArray()) {
            throw Problems.of(file, where + ": no '" + key + "' list");
        }
        return n;
    }

    private static String text(Path file, JsonNode o, String key, String where) {
        JsonNode n = o == null ? null : o.get(key);
        if (n == null || !n.isTextual()) {
            throw Problems.of(file, where + ": no string under '" + key + "'");
        }
        return n.asText();
    }

    private static String id(Path file, JsonNode o, String where) {
        JsonNode n = o.get("id");
        if (n == null || !(n.isTextual() || n.isIntegralNumber()) || n.asText().isEmpty()) {
            throw Problems.of(file, where + ": no 'id'");
        }
        return n.asText();
    }

    private static int start(Path file, JsonNode n, String where) {
        if (n == null || !n.isIntegralNumber() || n.asInt() < 0) {
            throw Problems.of(file, where + ": answer_start must be a character index (0 or more), got " + n);
        }
        return n.asInt();
    }
}
