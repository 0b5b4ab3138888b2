package org.finetune4j.recipe;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.Dataset;
import org.finetune4j.data.LabelMap;
import org.finetune4j.data.PackedRows;
import org.finetune4j.hub.HubSettings;
import org.finetune4j.hub.Locator;
import org.finetune4j.model.Head;
import org.finetune4j.model.Initializer;
import org.finetune4j.model.LoadReport;
import org.finetune4j.model.ModelConfig;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Parameter;
import org.finetune4j.peft.Adapters;
import org.finetune4j.peft.LoraConfig;
import org.finetune4j.peft.LoraModel;
import org.finetune4j.tokenize.Tokenizer;
import org.finetune4j.train.Evaluation;
import org.finetune4j.train.ModelSaver;
import org.finetune4j.train.Trainer;
import org.finetune4j.train.TrainingArguments;

/**
 * The set-up every task shares, done once: the model folder (a Hub id fetched into the cache), its tokenizer and
 * config (token ids checked against the vocabulary), the pad id, the length check, data files, and the model with
 * its head, loaded or initialised, frozen and LoRA-adapted as the recipe says. A multitask recipe's members share
 * one context ({@link #member}).
 */
public final class JobContext implements AutoCloseable {

    private final Recipe recipe;
    private final PrintStream console;
    private final HubSettings hub;
    private final Path dir;
    private final Loaded loaded;

    /** The tokenizer, config and pad id, loaded when a task first asks; shared by a multitask recipe's members. */
    private static final class Loaded {
        Tokenizer tok;
        ModelConfig config;
        Long pad;
    }

    JobContext(Recipe recipe, PrintStream console, HubSettings hub) {
        this(recipe, console, hub, modelDir(recipe, hub, console), new Loaded());
    }

    private JobContext(Recipe recipe, PrintStream console, HubSettings hub, Path dir, Loaded loaded) {
        this.recipe = recipe;
        this.console = console;
        this.hub = hub;
        this.dir = dir;
        this.loaded = loaded;
    }

    /**
     * The context of one member task of a multitask recipe: the same model folder, tokenizer and {@code data.packing}
     * (a member's data block has no such key), no LoRA of its own.
     */
    JobContext member() {
        return new JobContext(new Recipe(recipe.file(), recipe.model(), recipe.task(), recipe.freeze(), recipe.training(), null,
                null, null, recipe.packing(), ReportBlock.DEFAULT, 0), console, hub, dir, loaded);
    }

    public Recipe recipe() {
        return recipe;
    }

    public PrintStream console() {
        return console;
    }

    public TrainingArguments training() {
        return recipe.training();
    }

    /** The model folder, also where the job's tokenizer is saved from. */
    public Path dir() {
        return dir;
    }

    /** A data file, or a Hub dataset file {@code hf://datasets/ORG/NAME[@REV]/PATH} fetched into the cache. */
    public Path dataFile(Path file) {
        return Locator.data(file, hub, console);
    }

    /** The model folder's tokenizer, its ids checked against the config's vocabulary. */
    public Tokenizer tokenizer() {
        if (loaded.tok == null) {
            Tokenizer tok = Tokenizer.load(dir);
            try {
                tok.checkIdsBelow(config().vocabSize());
            } catch (RuntimeException e) {
                tok.close();
                throw e;
            }
            loaded.tok = tok;
        }
        return loaded.tok;
    }

    /** The model folder's config, as read. */
    public ModelConfig config() {
        if (loaded.config == null) {
            loaded.config = ModelConfig.read(dir);
        }
        return loaded.config;
    }

    /** The pad id batches are padded with ({@link org.finetune4j.tokenize.SpecialTokens#padId}), said once when it is not a pad token. */
    public long padId() {
        if (loaded.pad == null) {
            org.finetune4j.model.CommonConfig c = config().common();
            long pad = tokenizer().special().padId(c.eosTokenId(), c.padTokenId());
            if (pad < 0) {
                throw new Finetune4jException(c.modelType() + ": the tokenizer has neither a pad nor an EOS token to pad batches with");
            }
            if (tokenizer().special().pad() < 0) {
                console.println(tokenizer().special().eosId(c.eosTokenId()) == pad
                        ? "note: the tokenizer has no pad token; padding with EOS (id " + pad + ") as Transformers users do"
                        : "note: the tokenizer has no pad or EOS token; padding with config.json's pad_token_id " + pad);
            }
            loaded.pad = pad;
        }
        return loaded.pad;
    }

    /** Refuses a row length ({@code key}, e.g. data.max_length) longer than the model's positions. */
    public void checkLength(String key, int length) {
        if (length > config().maxPositions()) {
            throw new Finetune4jException(recipe.file() + ": " + key + " " + length + " exceeds the "
                    + config().maxPositions() + " positions of " + dir);
        }
    }

    /** The config with the pad id set and, when {@code labels} is given, the labels (id2label, label2id) and problem type. */
    public ModelConfig configWith(LabelMap labels, String problemType) {
        ObjectNode raw = config().common().raw().deepCopy();
        if (labels != null) {
            ObjectNode id2label = raw.putObject("id2label");
            ObjectNode label2id = raw.putObject("label2id");
            for (int i = 0; i < labels.size(); i++) {
                id2label.put(Integer.toString(i), labels.name(i));
                label2id.put(labels.name(i), i);
            }
            raw.remove("num_labels");
        }
        if (problemType != null) {
            raw.put("problem_type", problemType);
        }
        raw.put("pad_token_id", padId());
        return ModelConfig.parse(raw, dir.resolve("config.json").toString());
    }

    /**
     * A folder whose {@code head} was trained for some classes takes data of as many (Transformers refuses
     * the mismatch too): else the error names the data file and the labels it holds, not the weights' shapes.
     */
    public void checkHeadLabels(Head head, LabelMap labels, Path data) {
        ModelConfig base = config();
        int classes = base.common().numLabels();
        if (recipe.model().random() || Head.of(base) != head || classes == labels.size()) {
            return;
        }
        throw new Finetune4jException(data + ": the labels found are " + org.finetune4j.io.Text.printable(labels.names().toString())
                + " (" + labels.size() + " classes), but the " + base.common().architectures().get(0) + " in " + dir + " has "
                + classes + " " + org.finetune4j.io.Text.printable(base.common().labels().toString())
                + "; give data with that many classes, or start from a folder without this head");
    }

    /** Refuses training.label_smoothing_factor for a task whose loss is not over one label set. */
    public void refuseLabelSmoothing(String task, String why) {
        if (recipe.training().labelSmoothingFactor() > 0) {
            throw new Finetune4jException(recipe.file() + ": training.label_smoothing_factor is not supported " + task + why);
        }
    }

    /** The evaluation batch size (per_device_eval_batch_size). */
    public int evalBatch() {
        return recipe.training().perDeviceEvalBatchSize();
    }

    /**
     * The job of {@code model} on {@code train}, evaluated by {@code evaluation} (null: none); with
     * {@code data.packing} the training batches are packed ({@link PackedRows}) into rows as long as the longest
     * example, with causal labels for a causal LM head.
     */
    public Trainer.Job job(TransformerModel model, Dataset train, Evaluation evaluation) {
        Dataset rows = train;
        if (recipe.packing()) {
            int longest = Math.max(1, java.util.Arrays.stream(train.lengths()).max().orElse(1));
            rows = new PackedRows(train, longest, model.head == Head.CAUSAL_LM);
        }
        return new Trainer.Job(model, dir, rows, evaluation, padId(), recipe.training());
    }

    /** {@code eval} as the evaluation reads it: packed into rows of {@code maxLength} with {@code data.packing}. */
    public Dataset forEvaluation(Dataset eval, int maxLength, boolean causal) {
        return recipe.packing() ? new PackedRows(eval, maxLength, causal) : eval;
    }

    /** The model with {@code head}, loaded or initialised as the recipe says, frozen as it says, its size printed. */
    public TransformerModel model(ModelConfig config, Head head) {
        Recipe r = recipe;
        long seed = r.training().seed();
        TransformerModel model;
        if (r.model().random()) {
            model = TransformerModel.create(config, head);
            Initializer.initialiseMissing(model, seed);
            if (r.model().loadIn8bit()) {
                org.finetune4j.model.Int8.quantize(model);
            }
            console.println("model: " + model.className() + " initialised at random (seed " + seed + ")");
        } else {
            Pretrained.Loaded l = Pretrained.load(dir, config, head, seed, r.model().loadIn8bit(), r.model().allowMissing());
            model = l.model();
            LoadReport report = l.report();
            console.println("model: " + model.className() + " from " + dir);
            report.lines().forEach(console::println);
        }
        if (r.model().loadIn8bit()) {
            reportInt8(model, r.training().gradientCheckpointing());
        }
        int frozen = r.freeze().apply(model);
        if (frozen > 0) {
            console.println("froze " + frozen + " parameter tensors");
        }
        if (r.peft() != null) {
            LoraConfig c = LoraModel.apply(model, r.peft(), seed, r.file());
            console.printf("LoRA: r %d, lora_alpha %s, scaling %s on %d layers (%s), modules_to_save %s%n", c.r(), c.loraAlpha(),
                    c.scaling(), LoraModel.adapted(model).size(), c.targetRegex() != null ? c.targetRegex()
                            : String.join(", ", c.targetModules()), LoraModel.modulesToSavePaths(model, c));
        }
        long all = model.namedParameters().values().stream().mapToLong(Parameter::numel).sum();
        long trainable = model.namedParameters().values().stream().filter(Parameter::trainable).mapToLong(Parameter::numel).sum();
        console.printf("trainable params: %,d || all params: %,d || trainable%%: %.4f%n", trainable, all, 100.0 * trainable / all);
        return model;
    }

    /** What load_in_8bit did, and the note Transformers' users get from prepare_model_for_kbit_training. */
    private void reportInt8(TransformerModel model, boolean checkpointing) {
        List<Parameter> q = model.namedParameters().values().stream().filter(Parameter::quantized).toList();
        long floatBytes = 4 * q.stream().mapToLong(Parameter::numel).sum();
        console.printf("load_in_8bit: %d linear weights held as int8 (%.1f MiB instead of %.1f MiB in float32), frozen%n",
                q.size(), org.finetune4j.model.Int8.bytes(q) / 1048576.0, floatBytes / 1048576.0);
        if (!checkpointing) {
            console.println("note: without training.gradient_checkpointing autograd keeps each layer's dequantized weight"
                    + " until the backward pass; turn it on for the memory saving (as prepare_model_for_kbit_training does)");
        }
    }

    /** A LoRA run saves (and resumes from) PEFT adapter folders of {@code c} (resolved) instead of the full model. */
    public static ModelSaver adapterSaver(LoraConfig c) {
        return new ModelSaver() {
            @Override
            public void save(TransformerModel m, Path dir) throws java.io.IOException {
                Adapters.save(m, c, dir);
            }

            @Override
            public void restore(TransformerModel m, Path dir) {
                Adapters.loadWeights(m, c, dir);
            }
        };
    }

    private static Path modelDir(Recipe r, HubSettings hub, PrintStream console) {
        Path dir = Locator.model(r.model().path().toString(), hub, console);
        if (!Files.isDirectory(dir)) {
            throw new Finetune4jException(r.file() + ": model.path '" + dir + "' is not a folder");
        }
        return dir;
    }

    @Override
    public void close() {
        if (loaded.tok != null) {
            loaded.tok.close();
            loaded.tok = null;
        }
    }
}
