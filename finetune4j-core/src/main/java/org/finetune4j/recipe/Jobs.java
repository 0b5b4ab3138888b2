package org.finetune4j.recipe;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.finetune4j.distributed.World;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.Dataset;
import org.finetune4j.data.Examples;
import org.finetune4j.data.PackedRows;
import org.finetune4j.data.LabelMap;
import org.finetune4j.data.TextClassificationData;
import org.finetune4j.data.TextColumns;
import org.finetune4j.eval.Evaluator;
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
import org.finetune4j.train.Runs;
import org.finetune4j.train.Trainer;

/** Turns a recipe into a Trainer job: tokenizer, data, label map, and the model with its new head. */
public final class Jobs {

    private Jobs() {}

    /** The job of the recipe's task, Hub ids resolved with the process's settings. */
    public static Trainer.Job create(Recipe r, PrintStream console) {
        return create(r, console, HubSettings.current());
    }

    /**
     * The job of the recipe's task; the model's parameters live in {@code manager}; Hub ids
     * ({@code model.path}, {@code hf://datasets/...} data files) are resolved through {@code hub}.
     */
    public static Trainer.Job create(Recipe r, PrintStream console, HubSettings hub) {
        Trainer.Job job = switch (r.task()) {
            case "sequence-classification" -> sequenceClassification(r, console, hub);
            case "instruction" -> InstructionJob.create(r, console, hub);
            case "token-classification" -> TaskJobs.tokenClassification(r, console, hub);
            case "question-answering" -> TaskJobs.questionAnswering(r, console, hub);
            case "mlm", "pretraining", "clm" -> LanguageModelingJobs.create(r, console, hub);
            case "multitask" -> MultitaskJobs.create(r, console, hub);
            default -> throw new IllegalStateException("no job for task " + r.task());
        };
        job = packed(r, job);
        if (r.peft() == null) {
            return job;
        }
        LoraConfig c = LoraModel.resolve(job.model(), r.peft(), r.file()).withBaseModel(r.model().path().toString());
        return job.withSaver(adapterSaver(c));
    }

    /**
     * The job with its training batches packed ({@link PackedRows}) when the recipe asks: rows as long as the
     * longest example (the task's max_length, where an example reaches it), causal labels for a causal LM head.
     */
    static Trainer.Job packed(Recipe r, Trainer.Job job) {
        if (!r.packing()) {
            return job;
        }
        int longest = Math.max(1, java.util.Arrays.stream(job.train().lengths()).max().orElse(1));
        Dataset rows = new PackedRows(job.train(), longest, job.model().head == Head.CAUSAL_LM);
        return new Trainer.Job(job.model(), job.tokenizerDir(), rows, job.eval(), job.padId(), job.args(), job.saver());
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

    /** A sequence-classification job. */
    static Trainer.Job sequenceClassification(Recipe r, PrintStream console, HubSettings hub) {
        Path dir = modelDir(r, hub, console);
        SequenceClassificationSpec d = r.data(SequenceClassificationSpec.class);
        TextColumns columns = new TextColumns(d.textColumn(), d.textPairColumn(), d.labelColumn());
        TextClassificationData train = TextClassificationData.readTraining(dataFile(d.train(), hub, console), columns,
                d.skipBadRows());
        TextClassificationData eval;
        if (d.validation() != null) {
            eval = TextClassificationData.read(dataFile(d.validation(), hub, console), columns, train.labelMap(), d.skipBadRows());
        } else if (d.validationSplit() > 0) {
            TextClassificationData.Split split = train.split(d.validationSplit(), r.training().seed());
            train = split.train();
            eval = split.validation();
            console.printf("validation: %d rows split from %s (validation_split %s, seed %d)%n", eval.size(), d.train(),
                    d.validationSplit(), r.training().seed());
        } else {
            eval = null;
        }
        reportSkipped(train, console);
        if (eval != null) {
            reportSkipped(eval, console);
        }
        if (d.labelNames() != null) {
            train = train.withLabelNames(d.labelNames(), "data.label_names");
            eval = eval == null ? null : eval.withLabelNames(d.labelNames(), "data.label_names");
        }
        if (d.template() != null) {
            train = d.template().apply(train);
            eval = eval == null ? null : d.template().apply(eval);
            console.println("template: " + org.finetune4j.io.Text.quote(d.template().pattern()) + " around every text");
        }
        try (Tokenizer tok = Tokenizer.load(dir)) {
            ModelConfig base = ModelConfig.read(dir);
            tok.checkIdsBelow(base.vocabSize());
            int maxLength = d.maxLength(base.maxPositions());
            if (maxLength > base.maxPositions()) {
                throw new Finetune4jException(r.file() + ": data.max_length " + maxLength + " exceeds the "
                        + base.maxPositions() + " positions of " + dir);
            }
            checkHeadLabels(r, dir, base, Head.SEQUENCE_CLASSIFICATION, train.labelMap(), train.file());
            train.labelCounts().forEach(console::println);
            if (eval != null && d.validation() != null) {
                eval.labelCounts().forEach(console::println);
            }
            long pad = padId(tok, base, console);
            ModelConfig config = withLabels(base, train.labelMap(), pad, dir);
            TransformerModel model = model(r, dir, config, Head.SEQUENCE_CLASSIFICATION, console);
            Examples trainEx = Examples.tokenize(train, tok, maxLength);
            Examples evalTokens = eval == null ? null : Examples.tokenize(eval, tok, maxLength);
            Dataset evalEx = evalTokens == null || !r.packing() ? evalTokens : new PackedRows(evalTokens, maxLength, false);
            List<String> labels = train.labelMap().names();
            int evalBatch = r.training().perDeviceEvalBatchSize();
            Evaluation evaluation = evalEx == null ? null : new Evaluation() {
                @Override
                public Map<String, Double> evaluate(TransformerModel m, World world) {
                    return Evaluator.evaluate(m, evalEx, labels, evalBatch, pad, world);
                }

                @Override
                public Map<String, Double> evaluateFinal(TransformerModel m, World world, Path out) throws IOException {
                    Evaluator.Result result = Evaluator.run(m, evalEx, labels, evalBatch, pad, world);
                    if (world.main()) {
                        Runs.writeJson(out.resolve("confusion_matrix.json"), Map.of("labels", labels, "matrix", result.confusion()));
                    }
                    return result.metrics();
                }
            };
            return new Trainer.Job(model, dir, trainEx, evaluation, pad, r.training());
        }
    }

    /** The recipe's model folder (a Hub id fetched into the cache), checked. */
    static Path modelDir(Recipe r, HubSettings hub, PrintStream console) {
        Path dir = Locator.model(r.model().path().toString(), hub, console);
        if (!Files.isDirectory(dir)) {
            throw new Finetune4jException(r.file() + ": model.path '" + dir + "' is not a folder");
        }
        return dir;
    }

    /** A data file, or a Hub dataset file {@code hf://datasets/ORG/NAME[@REV]/PATH} fetched into the cache. */
    static Path dataFile(Path file, HubSettings hub, PrintStream console) {
        return Locator.data(file, hub, console);
    }

    /** The model with {@code head}, loaded or initialised as the recipe says, frozen as it says, its size printed. */
    static TransformerModel model(Recipe r, Path dir, ModelConfig config, Head head, PrintStream console) {
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
            Pretrained.Loaded loaded = Pretrained.load(dir, config, head, seed, r.model().loadIn8bit(),
                    r.model().allowMissing());
            model = loaded.model();
            LoadReport report = loaded.report();
            console.println("model: " + model.className() + " from " + dir);
            report.lines().forEach(console::println);
        }
        if (r.model().loadIn8bit()) {
            reportInt8(model, r.training().gradientCheckpointing(), console);
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
    private static void reportInt8(TransformerModel model, boolean checkpointing, PrintStream console) {
        List<Parameter> q = model.namedParameters().values().stream().filter(Parameter::quantized).toList();
        long floatBytes = 4 * q.stream().mapToLong(Parameter::numel).sum();
        console.printf("load_in_8bit: %d linear weights held as int8 (%.1f MiB instead of %.1f MiB in float32), frozen%n",
                q.size(), org.finetune4j.model.Int8.bytes(q) / 1048576.0, floatBytes / 1048576.0);
        if (!checkpointing) {
            console.println("note: without training.gradient_checkpointing autograd keeps each layer's dequantized weight"
                    + " until the backward pass; turn it on for the memory saving (as prepare_model_for_kbit_training does)");
        }
    }

    /**
     * A folder whose {@code head} was trained for some classes takes data of as many (Transformers refuses
     * the mismatch too): else the error names the data file and the labels it holds, not the weights' shapes.
     */
    static void checkHeadLabels(Recipe r, Path dir, ModelConfig base, Head head, LabelMap labels, Path data) {
        int classes = base.common().numLabels();
        if (r.model().random() || Head.of(base) != head || classes == labels.size()) {
            return;
        }
        throw new Finetune4jException(data + ": the labels found are " + org.finetune4j.io.Text.printable(labels.names().toString())
                + " (" + labels.size() + " classes), but the " + base.common().architectures().get(0) + " in " + dir + " has "
                + classes + " " + org.finetune4j.io.Text.printable(base.common().labels().toString())
                + "; give data with that many classes, or start from a folder without this head");
    }

    /** The pad id; models without one pad with EOS, as Transformers users set it, and say so once. */
    static long padId(Tokenizer tok, ModelConfig c, PrintStream console) {
        if (tok.special().pad() >= 0) {
            return tok.special().pad();
        }
        long eos = tok.special().eos() >= 0 ? tok.special().eos() : c.common().eosTokenId() != null ? c.common().eosTokenId() : -1;
        if (eos < 0) {
            throw new Finetune4jException(c.common().modelType() + ": the tokenizer has neither a pad nor an EOS token to pad batches with");
        }
        console.println("note: the tokenizer has no pad token; padding with EOS (id " + eos + ") as Transformers users do");
        return eos;
    }

    /** The config with the dataset's labels (id2label, label2id) and the pad id set, as Transformers saves it. */
    static ModelConfig withLabels(ModelConfig c, LabelMap labels, long pad, Path dir) {
        ObjectNode raw = c.common().raw().deepCopy();
        ObjectNode id2label = raw.putObject("id2label");
        ObjectNode label2id = raw.putObject("label2id");
        List<String> names = labels.names();
        for (int i = 0; i < names.size(); i++) {
            id2label.put(Integer.toString(i), names.get(i));
            label2id.put(names.get(i), i);
        }
        raw.remove("num_labels");
        raw.put("problem_type", "single_label_classification");
        raw.put("pad_token_id", pad);
        return ModelConfig.parse(raw, dir.resolve("config.json").toString());
    }

    private static void reportSkipped(TextClassificationData data, PrintStream console) {
        if (data.skipped() > 0) {
            console.printf("skipped %d bad rows of %s (first: %s)%n", data.skipped(), data.file(), data.firstSkipped());
        }
    }
}
