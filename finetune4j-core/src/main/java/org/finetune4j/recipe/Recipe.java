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
 * Paths in the file are relative to the recipe's folder; those a command-line override sets, to the working directory.
 * {@code packing} is {@code data.packing} ({@link #PACKING_TASKS}).
 */
public record Recipe(String file, ModelSpec model, String task, TaskSpec data, Freezing freeze, TrainingArguments training,
        LoraConfig peft, ForgettingSpec forgetting, DistributedConfig distributed, boolean packing) {

    /** A recipe without a {@code peft}, {@code forgetting} or {@code distributed} block, its batches padded. */
    public Recipe(String file, ModelSpec model, String task, TaskSpec data, Freezing freeze, TrainingArguments training) {
        this(file, model, task, data, freeze, training, null, null, null, false);
    }

    /**
     * The tasks whose batches pack several examples a row ({@code data.packing}, true by default for them:
     * {@link org.finetune4j.data.Packing}); the others pad each example to its batch's longest row and refuse
     * {@code data.packing: true}.
     */
    public static final List<String> PACKING_TASKS = List.of("sequence-classification", "token-classification", "mlm",
            "pretraining", "clm", "instruction");

    /** {@code data.packing}: as given, else whether the task packs; refused for a task that does not. */
    static boolean packing(Node d, String task) {
        boolean packs = PACKING_TASKS.contains(task);
        boolean on = d.bool("packing", packs);
        if (on && !packs) {
            throw d.error("packing", "task " + task + " does not pack its batches; remove the key or set it to false");
        }
        return on;
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
     * Where the model comes from, whether its weights are used, whether the backbone's linear weights are
     * held in 8 bits ({@code load_in_8bit}, frozen), and whether backbone weights the file lacks are
     * initialised at random ({@code allow_missing}) instead of refused.
     */
    public record ModelSpec(Path path, boolean random, boolean loadIn8bit, boolean allowMissing) {}

    /** The data block, as the task's own type. */
    public <T extends TaskSpec> T data(Class<T> type) {
        return type.cast(data);
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** A recipe is a page of YAML: larger files and longer lines are refused before parsing (a 10 MB key took minutes). */
    static final int MAX_BYTES = 1 << 20;
    static final int MAX_LINE = 10_000;

    /** Reads {@code file} and applies {@code dotted.key=value} overrides before checking. */
    public static Recipe load(Path file, List<String> overrides) {
        String name = file.toString();
        Map<String, String> set = new java.util.HashMap<>();
        ObjectNode tree = tree(name, read(file), overrides, set);
        return parse(new Node(tree, name, "", set, file.getParent() == null ? Path.of("") : file.getParent(), new java.util.ArrayList<>()),
                name);
    }

    /**
     * A digest of what the recipe trains: its keys after the overrides, the {@code distributed} block
     * aside (the ranks of one run differ there), so that the ranks can check they train the same.
     */
    public static String digest(Path file, List<String> overrides) {
        ObjectNode tree = tree(file.toString(), read(file), overrides, new java.util.HashMap<>());
        tree.remove("distributed");
        try {
            byte[] canonical = YAML.copy().configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
                    .writeValueAsBytes(YAML.treeToValue(tree, Object.class));
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (com.fasterxml.jackson.core.JsonProcessingException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The recipe's text, or a one-line error naming the file. */
    private static String read(Path file) {
        try {
            return text(file);
        } catch (IOException e) {
            throw new Finetune4jException(file + ": cannot read (" + org.finetune4j.io.Text.reason(e) + ")");
        }
    }

    /** The YAML tree of a recipe's {@code text} with the overrides applied; {@code set} gets each override by its key. */
    static ObjectNode tree(String name, String text, List<String> overrides, Map<String, String> set) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Finetune4jException(org.finetune4j.io.Json.where(name, e) + ": not valid YAML: "
                    + plain(org.finetune4j.io.Json.problem(e)));
        }
        if (root == null || !root.isObject()) {
            throw new Finetune4jException(name + ": a recipe must be a block of keys (model, task, data, training)");
        }
        ObjectNode tree = (ObjectNode) root;
        for (String o : overrides) {
            set.put(Overrides.apply(tree, o, name), o);
        }
        return tree;
    }

    /** The recipe's top-level blocks. */
    static final List<String> BLOCKS = List.of("model", "task", "data", "freeze", "peft", "training", "forgetting", "distributed");

    /** The parser's complaint in words, for the mistakes people make in YAML; the parser's own words follow. */
    static String plain(String problem) {
        String p = problem.startsWith("expected <block end>") ? "this line is indented differently from the keys above it"
                : problem.startsWith("mapping values are not allowed") ? "a second ':' on this line; quote the value"
                : problem.startsWith("could not find expected ':'") ? "a key without ':' after it"
                : problem.contains("(TAB)") ? "a tab; YAML indents with spaces"
                : problem.startsWith("Document nesting depth") ? "nested too deeply" : null;
        return p == null ? problem : p + " (" + problem + ")";
    }

    /** The recipe's text, within {@link #MAX_BYTES} and lines of {@link #MAX_LINE} characters. */
    static String text(Path file) throws IOException {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new Finetune4jException(name + ": is a folder, not a recipe file");
        }
        if (!Files.isRegularFile(file)) {
            throw new Finetune4jException(name + ": not found");
        }
        if (Files.size(file) > MAX_BYTES) {
            throw new Finetune4jException(name + ": " + Files.size(file) + " bytes; a recipe holds at most " + MAX_BYTES);
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new Finetune4jException(name + ": not UTF-8 text");
        }
        int n = 0;
        for (String line : (Iterable<String>) text.lines()::iterator) {
            n++;
            if (line.length() > MAX_LINE) {
                throw new Finetune4jException(name + ":" + n + ": a line of " + line.length()
                        + " characters; recipe lines hold at most " + MAX_LINE);
            }
        }
        return text;
    }

    private static Recipe parse(Node root, String file) {
        root.only(BLOCKS);
        Node m = root.child("model");
        String init = m.choice("init", "pretrained", List.of("pretrained", "random"));
        ModelSpec model = new ModelSpec(m.model("path"), init.equals("random"), m.bool("load_in_8bit", false),
                m.bool("allow_missing", false));
        m.finish();
        String task = root.choice("task", "sequence-classification", TASKS);
        Node d = root.child("data");
        boolean packing = packing(d, task);
        TaskSpec data = READERS.get(task).apply(d);
        d.finish();
        Freezing freeze = freezing(root.child("freeze"));
        LoraConfig peft = PeftBlock.read(root);
        TrainingArguments training = TrainingArguments.read(root.child("training"));
        ForgettingSpec forgetting = root.has("forgetting") ? ForgettingSpec.read(root.child("forgetting"), model) : null;
        DistributedConfig distributed = DistributedBlock.read(root);
        root.finish();
        root.checkInputs();
        return new Recipe(file, model, task, data, freeze, training, peft, forgetting, distributed, packing);
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
}
