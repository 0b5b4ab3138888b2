package org.finetune4j.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;
import org.finetune4j.distributed.DistributedConfig;
import org.finetune4j.hub.HubSettings;
import org.finetune4j.peft.Freezing;
import org.finetune4j.peft.LoraConfig;
import org.finetune4j.peft.LoraModel;
import org.finetune4j.train.Trainer;
import org.finetune4j.train.TrainingArguments;

/**
 * A training recipe (YAML): {@code model}, {@code task}, {@code data}, {@code freeze}, {@code peft} (LoRA, see
 * {@link PeftBlock}; null when absent), {@code training}, {@code distributed} ({@link DistributedBlock}) and
 * {@code report} ({@link ReportBlock}) blocks,
 * every key type-checked, unknown keys refused. The {@code task} names a {@link Task}, which reads the {@code data}
 * block and builds the job ({@link #job}). Paths in the file are relative to the recipe's folder; those a
 * command-line override sets, to the working directory. {@code packing} is {@code data.packing}
 * ({@link Task#packs}); {@code maxTokensPerBatch} is {@code data.max_tokens_per_batch} ({@link TokenBudget}; 0: none).
 */
public record Recipe(String file, ModelSpec model, Task task, Freezing freeze, TrainingArguments training,
        LoraConfig peft, ForgettingSpec forgetting, DistributedConfig distributed, boolean packing, ReportBlock report,
        int maxTokensPerBatch) {

    /** A recipe without a {@code peft}, {@code forgetting}, {@code distributed} or {@code report} block, its batches padded. */
    public Recipe(String file, ModelSpec model, Task task, Freezing freeze, TrainingArguments training) {
        this(file, model, task, freeze, training, null, null, null, false, ReportBlock.DEFAULT, 0);
    }

    /**
     * {@code data.packing}: as given, else whether the task packs ({@link Task#packs}); refused for a task that
     * does not. {@code asked} is the key's value, read before the task's reader closes the block (null: absent).
     */
    static boolean packing(Node d, Boolean asked, Task task) {
        boolean on = asked == null ? task.packs() : asked;
        if (on && !task.packs()) {
            throw d.error("packing", "task " + task.name() + " does not pack its batches; remove the key or set it to false");
        }
        return on;
    }

    /** The names of the tasks a recipe may give. */
    public static final List<String> TASKS = Task.BUILT_IN.stream().map(Task.Kind::name).toList();

    /**
     * Where the model comes from, whether its weights are used, whether the backbone's linear weights are
     * held in 8 bits ({@code load_in_8bit}, frozen), and whether backbone weights the file lacks are
     * initialised at random ({@code allow_missing}) instead of refused.
     */
    public record ModelSpec(Path path, boolean random, boolean loadIn8bit, boolean allowMissing) {}

    /** The YAML mapper of recipes. */
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** A recipe is a page of YAML: larger files and longer lines are refused before parsing (a 10 MB key took minutes). */
    static final int MAX_BYTES = 1 << 20;
    static final int MAX_LINE = 10_000;

    /** Reads {@code file} and applies {@code dotted.key=value} overrides before checking. */
    public static Recipe load(Path file, List<String> overrides) {
        return load(file, overrides, List.of());
    }

    /** Reads {@code file} as {@link #load(Path, List)} does, with tasks defined elsewhere ({@code more}) besides the built-in ones. */
    public static Recipe load(Path file, List<String> overrides, List<Task.Kind> more) {
        String name = file.toString();
        Map<String, String> set = new java.util.HashMap<>();
        ObjectNode tree = tree(name, read(file), overrides, set);
        List<Task.Kind> kinds = new java.util.ArrayList<>(Task.BUILT_IN);
        kinds.addAll(more);
        return parse(new Node(tree, name, "", set, file.getParent() == null ? Path.of("") : file.getParent(), new java.util.ArrayList<>()),
                name, kinds);
    }

    /** The recipe's Trainer job, Hub ids resolved with the process's settings. */
    public Trainer.Job job(PrintStream console) {
        return job(console, HubSettings.current());
    }

    /**
     * The recipe's Trainer job: its task's, built from a {@link JobContext}; Hub ids ({@code model.path},
     * {@code hf://datasets/...} data files) are resolved through {@code hub}. A LoRA run saves adapter folders.
     */
    public Trainer.Job job(PrintStream console, HubSettings hub) {
        Trainer.Job job;
        try (JobContext c = new JobContext(this, console, hub)) {
            job = TokenBudget.apply(task.job(c), maxTokensPerBatch, file);
        }
        if (peft == null) {
            return job;
        }
        LoraConfig c = LoraModel.resolve(job.model(), peft, file).withBaseModel(model.path().toString());
        return job.withSaver(JobContext.adapterSaver(c));
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
    static final List<String> BLOCKS = List.of("model", "task", "data", "freeze", "peft", "training", "forgetting", "distributed", "report");

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

    private static Recipe parse(Node root, String file, List<Task.Kind> kinds) {
        root.only(BLOCKS);
        Node m = root.child("model");
        String init = m.choice("init", "pretrained", List.of("pretrained", "random"));
        ModelSpec model = new ModelSpec(m.model("path"), init.equals("random"), m.bool("load_in_8bit", false),
                m.bool("allow_missing", false));
        m.finish();
        List<String> names = kinds.stream().map(Task.Kind::name).toList();
        String name = root.choice("task", names.get(0), names);
        Node d = root.child("data");
        Boolean asked = d.has("packing") ? d.bool("packing", false) : null;
        Integer budget = TokenBudget.asked(d);
        Task task = kinds.get(names.indexOf(name)).read().apply(d);
        boolean packing = packing(d, asked, task);
        int maxTokens = TokenBudget.read(d, budget, packing, task);
        d.finish();
        Freezing freeze = freezing(root.child("freeze"));
        LoraConfig peft = PeftBlock.read(root);
        TrainingArguments training = TrainingBlock.read(root.child("training"));
        TokenBudget.checkTraining(d, maxTokens, training);
        ForgettingSpec forgetting = root.has("forgetting") ? ForgettingSpec.read(root.child("forgetting"), model) : null;
        DistributedConfig distributed = DistributedBlock.read(root);
        ReportBlock report = ReportBlock.read(root);
        root.finish();
        root.checkInputs();
        return new Recipe(file, model, task, freeze, training, peft, forgetting, distributed, packing, report, maxTokens);
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
