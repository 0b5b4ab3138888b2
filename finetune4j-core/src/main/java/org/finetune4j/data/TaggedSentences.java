package org.finetune4j.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Sentences of words with one NER tag each, read from a CoNLL file (a word a line, columns split
 * by whitespace, the tag in column {@code tagColumn} (-1: the last), a blank line between
 * sentences, {@code -DOCSTART-} lines skipped) or from JSON Lines ({@code tokens} and
 * {@code ner_tags} lists; tags as strings, or as ints indexing {@code labelList}). Sentence i began
 * on {@code lines[i]} of {@code file}. Lists are shared: do not modify.
 */
public record TaggedSentences(Path file, List<List<String>> words, List<List<String>> tags, int[] lines) {

    /** How to read a file: its format ("conll", "jsonl" or null to pick by extension) and where the tags are. */
    public record Layout(String format, int tagColumn, String tokensField, String tagsField, List<String> labelList,
            TagScheme scheme) {}

    /** Number of sentences. */
    public int size() {
        return words.size();
    }

    /** Reads {@code file} and checks each tag against the layout's scheme. */
    public static TaggedSentences read(Path file, Layout layout) {
        String format = layout.format() != null ? layout.format() : formatOf(file);
        TaggedSentences s = switch (format) {
            case "conll" -> conll(file, layout.tagColumn());
            case "jsonl" -> jsonl(file, layout);
            default -> throw Problems.of(file, "unknown NER format '" + format + "' (supported: conll, jsonl)");
        };
        if (s.size() == 0) {
            throw Problems.of(file, "no sentences");
        }
        for (int i = 0; i < s.size(); i++) {
            for (int w = 0; w < s.tags.get(i).size(); w++) {
                String why = layout.scheme().problem(s.tags.get(i).get(w));
                if (why != null) {
                    throw Problems.at(file, "conll".equals(format) ? s.lines[i] + w : s.lines[i], why);
                }
            }
        }
        return s;
    }

    /** "jsonl" for .jsonl / .json files, else "conll". */
    static String formatOf(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jsonl") || name.endsWith(".json") ? "jsonl" : "conll";
    }

    private static TaggedSentences conll(Path file, int tagColumn) {
        List<List<String>> words = new ArrayList<>();
        List<List<String>> tags = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(Utf8Reader.open(file))) {
            List<String> w = new ArrayList<>();
            List<String> t = new ArrayList<>();
            int line = 0;
            int first = 0;
            int columns = -1;
            int columnsLine = 0;
            for (String s = in.readLine(); ; s = in.readLine()) {
                line++;
                if (s == null || s.isBlank()) {
                    if (!w.isEmpty()) {
                        words.add(List.copyOf(w));
                        tags.add(List.copyOf(t));
                        lines.add(first);
                        w.clear();
                        t.clear();
                    }
                    if (s == null) {
                        break;
                    }
                    continue;
                }
                String[] cols = s.trim().split("\\s+");
                if (cols[0].equals("-DOCSTART-")) {
                    continue;
                }
                int c = tagColumn < 0 ? cols.length - 1 : tagColumn;
                if (cols.length < 2 || c >= cols.length) {
                    throw Problems.at(file, line, cols.length + " column" + (cols.length == 1 ? "" : "s")
                            + ", expected a word and its tag" + (tagColumn >= 0 ? " in column " + tagColumn : ""));
                }
                if (columns < 0) {
                    columns = cols.length;
                    columnsLine = line;
                } else if (cols.length != columns) {
                    throw Problems.at(file, line, cols.length + " columns, but line " + columnsLine + " has " + columns
                            + " (a word without its tag, or a tag without its word?)");
                }
                if (w.isEmpty()) {
                    first = line;
                }
                w.add(cols[0]);
                t.add(cols[c]);
            }
        } catch (IOException e) {
            throw Problems.of(file, "cannot read: " + Utf8Reader.describe(e));
        }
        return new TaggedSentences(file, words, tags, lines.stream().mapToInt(Integer::intValue).toArray());
    }

    private static TaggedSentences jsonl(Path file, Layout layout) {
        List<List<String>> words = new ArrayList<>();
        List<List<String>> tags = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(Utf8Reader.open(file))) {
            int line = 0;
            for (String s = in.readLine(); s != null; s = in.readLine()) {
                line++;
                if (s.isBlank()) {
                    continue;
                }
                JsonNode o;
                try {
                    o = JsonRows.MAPPER.readTree(s);
                } catch (JacksonException e) {
                    throw Problems.at(file, line, "invalid JSON: " + JsonRows.message(e));
                }
                if (!o.isObject()) {
                    throw Problems.at(file, line, "not a JSON object but " + JsonLinesFormat.kind(o));
                }
                List<String> w = strings(file, line, o, layout.tokensField(), null);
                List<String> t = strings(file, line, o, layout.tagsField(), layout.labelList());
                if (w.size() != t.size()) {
                    throw Problems.at(file, line, w.size() + " tokens but " + t.size() + " tags");
                }
                if (w.isEmpty()) {
                    continue;
                }
                words.add(w);
                tags.add(t);
                lines.add(line);
            }
        } catch (IOException e) {
            throw Problems.of(file, "cannot read: " + Utf8Reader.describe(e));
        }
        return new TaggedSentences(file, words, tags, lines.stream().mapToInt(Integer::intValue).toArray());
    }

    /** A list field of strings; ints are looked up in {@code labelList} when it is given. */
    private static List<String> strings(Path file, int line, JsonNode o, String field, List<String> labelList) {
        JsonNode a = o.get(field);
        if (a == null || !a.isArray()) {
            throw Problems.at(file, line, "no list under '" + field + "'");
        }
        List<String> out = new ArrayList<>(a.size());
        for (JsonNode v : a) {
            if (v.isTextual() && !v.asText().isEmpty()) {
                out.add(v.asText());
            } else if (v.isIntegralNumber() && labelList != null) {
                int id = v.asInt();
                if (id < 0 || id >= labelList.size()) {
                    throw Problems.at(file, line, "tag id " + id + " under '" + field + "' is outside label_list (0.."
                            + (labelList.size() - 1) + ")");
                }
                out.add(labelList.get(id));
            } else if (v.isIntegralNumber()) {
                throw Problems.at(file, line, "integer tags under '" + field + "' need data.label_list (the tag names by id)");
            } else {
                throw Problems.at(file, line, "'" + field + "' holds " + JsonLinesFormat.kind(v) + ", expected non-empty strings");
            }
        }
        return List.copyOf(out);
    }
}
