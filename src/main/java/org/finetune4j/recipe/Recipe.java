package org.finetune4j.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.peft.Freezing;
import org.finetune4j.train.TrainingArguments;

/**
 * A training recipe (YAML): {@code model}, {@code task}, {@code data}, {@code freeze} and {@code training} blocks,
 * every key type-checked, unknown keys refused. Paths are relative to the working directory.
 */
public record Recipe(String file, ModelSpec model, String task, DataSpec data, Freezing freeze, TrainingArguments training) {

    public static final List<String> TASKS = List.of("sequence-classification");

    /** Where the model comes from and whether its weights are used. */
    public record ModelSpec(Path path, boolean random) {}

    /** The dataset files and columns. */
    public record DataSpec(Path train, Path validation, String textColumn, String textPairColumn, String labelColumn,
            Integer maxLength, double validationSplit, boolean skipBadRows) {

        /** max_length as given, else 128 (run_glue's default) capped at the model's positions. */
        public int maxLength(int modelPositions) {
            return maxLength != null ? maxLength : Math.min(DEFAULT_MAX_LENGTH, modelPositions);
        }
    }

    static final int DEFAULT_MAX_LENGTH = 128;

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Reads {@code file} and applies {@code dotted.key=value} overrides before checking. */
    public static Recipe load(Path file, List<String> overrides) {
        String name = file.toString();
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new Finetune4jException(name + ": not found");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Finetune4jException(name + ": not valid YAML (" + e.getOriginalMessage().replace('\n', ' ')
                    + " at line " + e.getLocation().getLineNr() + ")");
        } catch (IOException e) {
            throw new Finetune4jException(name + ": cannot read (" + e.getClass().getSimpleName() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new Finetune4jException(name + ": a recipe must be a block of keys (model, task, data, training)");
        }
        ObjectNode tree = (ObjectNode) root;
        for (String o : overrides) {
            Overrides.apply(tree, o, name);
        }
        return parse(new Node(tree, name, ""), name);
    }

    private static Recipe parse(Node root, String file) {
        Node m = root.child("model");
        String init = m.choice("init", "pretrained", List.of("pretrained", "random"));
        ModelSpec model = new ModelSpec(Path.of(m.required("path")), init.equals("random"));
        m.finish();
        String task = root.choice("task", "sequence-classification", TASKS);
        Node d = root.child("data");
        DataSpec data = new DataSpec(Path.of(d.required("train")), optionalPath(d, "validation"),
                d.string("text_column", "text"), d.string("text_pair_column", null), d.string("label_column", "label"),
                d.optionalInt("max_length"), d.number("validation_split", 0.1), d.bool("skip_bad_rows", false));
        if (data.maxLength() != null && data.maxLength() < 2) {
            throw d.error("max_length", "must be at least 2, got " + data.maxLength());
        }
        if (data.validationSplit() < 0 || data.validationSplit() >= 1) {
            throw d.error("validation_split", "must be in [0, 1), got " + data.validationSplit());
        }
        d.finish();
        Freezing freeze = freezing(root.child("freeze"));
        TrainingArguments training = TrainingArguments.read(root.child("training"), Path.of(""));
        root.finish();
        return new Recipe(file, model, task, data, freeze, training);
    }

    private static Freezing freezing(Node f) {
        Freezing out = new Freezing(f.strings("patterns"), f.bool("embeddings", false), f.integer("first_layers", 0),
                f.bool("all_but_head", false));
        if (out.firstLayers() < 0) {
            throw f.error("first_layers", "must be 0 or more, got " + out.firstLayers());
        }
        f.finish();
        return out;
    }

    private static Path optionalPath(Node n, String key) {
        String s = n.string(key, null);
        return s == null ? null : Path.of(s);
    }
}
