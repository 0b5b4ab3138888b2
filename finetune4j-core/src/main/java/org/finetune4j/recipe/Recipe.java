package org.finetune4j.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.finetune4j.Finetune4jException;
import org.finetune4j.distributed.DistributedConfig;
import org.finetune4j.peft.Freezing;
import org.finetune4j.peft.LoraConfig;
import org.finetune4j.train.TrainingArguments;

/**
 * A training recipe (YAML): {@code model}, {@code task}, {@code data}, {@code freeze}, {@code peft} (LoRA, see
 * {@link PeftBlock}; null when absent), {@code training} and {@code distributed} ({@link DistributedBlock}) blocks,
 * every key type-checked, unknown keys refused. Each task reads its own {@code data} block ({@link #TASKS}).
 * Paths are relative to the working directory.
 */
public record Recipe(String file, ModelSpec model, String task, TaskSpec data, Freezing freeze, TrainingArguments training,
        LoraConfig peft, ForgettingSpec forgetting, DistributedConfig distributed) {

    /** A recipe without a {@code peft}, {@code forgetting} or {@code distributed} block. */
    public Recipe(String file, ModelSpec model, String task, TaskSpec data, Freezing freeze, TrainingArguments training) {
        this(file, model, task, data, freeze, training, null, null, null);
    }

    /** A task's {@code data} block as its task reads it. */
    public interface TaskSpec {}

    /** The tasks by name, each with the reader of its {@code data} block. */
    static final Map<String, Function<Node, TaskSpec>> READERS = new LinkedHashMap<>();

    static {
        READERS.put("sequence-classification", SequenceClassificationSpec::read);
        READERS.put("instruction", InstructionSpec::read);
        READERS.put("token-classification", TokenClassificationSpec::read);
        READERS.put("question-answering", QuestionAnsweringSpec::read);
        READERS.put("mlm", d -> LanguageModelingSpec.read(org.finetune4j.data.LmData.Objective.MLM, d));
        READERS.put("pretraining", d -> LanguageModelingSpec.read(org.finetune4j.data.LmData.Objective.PRETRAINING, d));
        READERS.put("clm", d -> LanguageModelingSpec.read(org.finetune4j.data.LmData.Objective.CLM, d));
        READERS.put("multitask", MultitaskSpec::read);
    }

    public static final List<String> TASKS = List.copyOf(READERS.keySet());

    /**
     * Where the model comes from, whether its weights are used, and whether the backbone's linear
     * weights are held in 8 bits ({@code load_in_8bit}, frozen).
     */
    public record ModelSpec(Path path, boolean random, boolean loadIn8bit) {}

    /** The data block, as the task's own type. */
    public <T extends TaskSpec> T data(Class<T> type) {
        return type.cast(data);
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Reads {@code file} and applies {@code dotted.key=value} overrides before checking. */
    public static Recipe load(Path file, List<String> overrides) {
        return parse(new Node(tree(file, overrides), file.toString(), ""), file.toString());
    }

    /**
     * A digest of what the recipe trains: its keys after the overrides, the {@code distributed} block
     * aside (the ranks of one run differ there), so that the ranks can check they train the same.
     */
    public static String digest(Path file, List<String> overrides) {
        ObjectNode tree = tree(file, overrides);
        tree.remove("distributed");
        try {
            byte[] canonical = YAML.copy().configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
                    .writeValueAsBytes(YAML.treeToValue(tree, Object.class));
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (com.fasterxml.jackson.core.JsonProcessingException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The YAML tree of {@code file} with the overrides applied. */
    private static ObjectNode tree(Path file, List<String> overrides) {
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
        return tree;
    }

    private static Recipe parse(Node root, String file) {
        Node m = root.child("model");
        String init = m.choice("init", "pretrained", List.of("pretrained", "random"));
        ModelSpec model = new ModelSpec(Path.of(m.required("path")), init.equals("random"), m.bool("load_in_8bit", false));
        m.finish();
        String task = root.choice("task", "sequence-classification", TASKS);
        Node d = root.child("data");
        TaskSpec data = READERS.get(task).apply(d);
        d.finish();
        Freezing freeze = freezing(root.child("freeze"));
        LoraConfig peft = PeftBlock.read(root);
        TrainingArguments training = TrainingArguments.read(root.child("training"), Path.of(""));
        ForgettingSpec forgetting = root.has("forgetting") ? ForgettingSpec.read(root.child("forgetting"), model) : null;
        DistributedConfig distributed = DistributedBlock.read(root);
        root.finish();
        return new Recipe(file, model, task, data, freeze, training, peft, forgetting, distributed);
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

    static Path optionalPath(Node n, String key) {
        String s = n.string(key, null);
        return s == null ? null : Path.of(s);
    }
}
