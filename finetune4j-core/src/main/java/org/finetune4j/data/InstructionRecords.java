package org.finetune4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.finetune4j.tokenize.ChatTemplate.Message;

/**
 * Reads instruction records from JSON (an array of objects), JSON Lines, CSV or TSV: alpaca
 * ({@code instruction}, optional {@code input}, {@code output}), prompt/completion ({@code prompt},
 * {@code completion}) or chat ({@code messages}: [{role, content}], JSON only). The form is named or
 * recognised from the first record's fields. A record missing a field, with a field of the wrong type,
 * an empty response or a chat without an assistant message is an error naming the file, line and key,
 * or is skipped and counted when {@code skipBadRows}.
 */
public final class InstructionRecords implements RowSink {

    /** The forms, as a recipe names them. */
    public static final List<String> FORMATS = List.of("auto", "alpaca", "prompt-completion", "messages");

    /** The records of a file, and the bad ones skipped ({@code firstSkipped} says why the first was, or null). */
    public record Read(Path file, List<InstructionRecord> records, int skipped, String firstSkipped) {

        /** The records at {@code indices}, in that order. */
        public Read subset(int[] indices) {
            return new Read(file, Arrays.stream(indices).mapToObj(records::get).toList(), skipped, firstSkipped);
        }

        /**
         * A training and a validation part ({@code [train, validation]}), sized and drawn as
         * {@link TextClassificationData#split} does: {@code ceil(ratio * n)} validation records.
         */
        public Read[] split(double ratio, long seed) {
            int n = records.size();
            int nValidation = (int) Math.ceil(ratio * n);
            if (nValidation >= n) {
                throw Problems.of(file, "validation_split " + ratio + " of " + n + " records leaves no training records");
            }
            int[] perm = Sampler.permutation(n, new java.util.Random(seed));
            int[] validation = Arrays.copyOfRange(perm, 0, nValidation);
            int[] train = Arrays.copyOfRange(perm, nValidation, n);
            Arrays.sort(validation);
            Arrays.sort(train);
            return new Read[] {subset(train), subset(validation)};
        }
    }

    private final Path file;
    private final boolean skipBadRows;
    private String format;
    private final List<InstructionRecord> records = new ArrayList<>();
    private int skipped;
    private String firstSkipped;
    private int seen;

    private InstructionRecords(Path file, String format, boolean skipBadRows) {
        this.file = file;
        this.format = format;
        this.skipBadRows = skipBadRows;
    }

    /** Reads {@code file} in {@code format} (one of {@link #FORMATS}). */
    public static Read read(Path file, String format, boolean skipBadRows) {
        if (!FORMATS.contains(format)) {
            throw Problems.of(file, "unknown instruction format '" + format + "' (expected one of " + FORMATS + ")");
        }
        InstructionRecords sink = new InstructionRecords(file, format, skipBadRows);
        TableFormat.of(file).read(file, sink);
        if (sink.records.isEmpty()) {
            throw Problems.of(file, "no records left after skipping " + sink.skipped + " bad ones (first: " + sink.firstSkipped + ")");
        }
        return new Read(file, List.copyOf(sink.records), sink.skipped, sink.firstSkipped);
    }

    @Override
    public void object(int line, JsonNode object) {
        seen++;
        if (format.equals("auto")) {
            format = recognise(line, object);
        }
        try {
            records.add(parse(line, object));
        } catch (BadRecord e) {
            bad(line, "record " + seen + ": " + e.getMessage());
        }
    }

    @Override
    public void row(Row row) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        row.values().forEach((k, v) -> {
            if (v != null) {
                o.put(k, v);
            }
        });
        object(row.line(), o);
    }

    @Override
    public void bad(int line, String reason) {
        if (!skipBadRows) {
            throw Problems.at(file, line, reason);
        }
        skipped++;
        if (firstSkipped == null) {
            firstSkipped = Problems.at(file, line, reason).getMessage();
        }
    }

    /** The form of the first record, from its fields. */
    private String recognise(int line, JsonNode o) {
        if (o.has("messages")) {
            return "messages";
        }
        if (o.has("instruction")) {
            return "alpaca";
        }
        if (o.has("prompt") || o.has("completion")) {
            return "prompt-completion";
        }
        List<String> keys = new ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        throw Problems.at(file, line, "cannot tell the instruction format from the fields " + org.finetune4j.io.Text.printable(keys.toString())
                + " (expected instruction/input/output, prompt/completion or messages; or set data.format)");
    }

    private InstructionRecord parse(int line, JsonNode o) {
        return switch (format) {
            case "alpaca" -> new InstructionRecord.Alpaca(line, seen, text(o, "instruction", true), optional(o, "input"), response(o, "output"));
            case "prompt-completion" -> new InstructionRecord.PromptCompletion(line, seen, text(o, "prompt", false), response(o, "completion"));
            default -> new InstructionRecord.Chat(line, seen, messages(o));
        };
    }

    private static List<Message> messages(JsonNode o) {
        JsonNode list = o.get("messages");
        if (list == null) {
            throw new BadRecord("no \"messages\" field; it has " + fields(o));
        }
        if (!list.isArray() || list.isEmpty()) {
            throw new BadRecord("\"messages\" must be a non-empty array of {role, content} objects");
        }
        List<Message> out = new ArrayList<>();
        boolean assistant = false;
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject()) {
                throw new BadRecord(where + " is not an object");
            }
            JsonNode role = m.get("role");
            JsonNode content = m.get("content");
            if (role == null || !role.isTextual() || role.textValue().isBlank()) {
                throw new BadRecord(where + ".role is missing or not a string");
            }
            if (content == null || !content.isTextual()) {
                throw new BadRecord(where + ".content is missing or not a string");
            }
            assistant |= role.textValue().equals("assistant");
            out.add(new Message(role.textValue(), content.textValue()));
        }
        if (!assistant) {
            throw new BadRecord("no message with role \"assistant\": nothing to train on");
        }
        return List.copyOf(out);
    }

    /** A required string field; blank is refused when {@code nonBlank}. */
    private static String text(JsonNode o, String key, boolean nonBlank) {
        JsonNode v = o.get(key);
        if (v == null) {
            throw new BadRecord("no \"" + key + "\" field; it has " + fields(o));
        }
        if (!v.isTextual()) {
            throw new BadRecord("\"" + key + "\" is not a string");
        }
        if (nonBlank && v.textValue().isBlank()) {
            throw new BadRecord("\"" + key + "\" is empty");
        }
        return v.textValue();
    }

    private static String response(JsonNode o, String key) {
        String s = text(o, key, false);
        if (s.isBlank()) {
            throw new BadRecord("\"" + key + "\" is empty: nothing to train on");
        }
        return s;
    }

    private static String optional(JsonNode o, String key) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) {
            return "";
        }
        if (!v.isTextual()) {
            throw new BadRecord("\"" + key + "\" is not a string");
        }
        return v.textValue();
    }

    private static String fields(JsonNode o) {
        List<String> keys = new ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        return org.finetune4j.io.Text.printable(keys.toString());
    }

    private static final class BadRecord extends RuntimeException {
        BadRecord(String message) {
            super(message, null, false, false);
        }
    }
}
