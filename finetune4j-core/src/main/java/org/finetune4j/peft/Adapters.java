package org.finetune4j.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.AtomicFile;
import org.finetune4j.io.SafeTensors;
import org.finetune4j.io.SafeTensorsWriter;
import org.finetune4j.io.TensorData;
import org.finetune4j.io.TensorInfo;
import org.finetune4j.model.Head;
import org.finetune4j.model.ModelConfig;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Adaptable;
import org.finetune4j.nn.Embedding;
import org.finetune4j.nn.Module;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Tensors;

/**
 * PEFT adapter folders: {@code adapter_config.json} + {@code adapter_model.safetensors} with PEFT's
 * tensor names ({@code base_model.model.<layer>.lora_A.weight} [r, in], {@code .lora_B.weight}
 * [out, r], modules to save as {@code base_model.model.<path>.weight}). Loading checks the whole
 * adapter against the model (task type, base model type, every tensor's place and shape, the rank,
 * vocabulary sizes) before it changes anything.
 */
public final class Adapters {

    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    /** The prefix of PEFT's on-disk names (PeftModel.base_model is the LoraModel, its .model the wrapped model). */
    public static final String PREFIX = "base_model.model.";

    private static final ObjectMapper JSON = org.finetune4j.io.Json.MAPPER;

    private Adapters() {}

    /** Whether {@code dir} holds an adapter (an adapter_config.json). */
    public static boolean isAdapter(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG));
    }

    /** Reads and checks an adapter folder's config (unsupported options are refused by name). */
    public static LoraConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG);
        if (!Files.isDirectory(dir)) {
            throw new Finetune4jException(dir + ": no such adapter folder");
        }
        if (!Files.isRegularFile(file)) {
            throw new Finetune4jException(dir + ": not an adapter folder (no " + CONFIG + ")");
        }
        JsonNode j;
        try {
            j = JSON.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Finetune4jException(file + ": not valid JSON (" + e.getOriginalMessage().replace('\n', ' ') + ")");
        } catch (IOException e) {
            throw new Finetune4jException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (j == null || !j.isObject()) {
            throw new Finetune4jException(file + ": must hold a JSON object");
        }
        return LoraConfig.fromJson(j, file.toString());
    }

    /**
     * Puts the adapter of {@code dir} on {@code model}: checks everything first, then attaches the
     * branches and loads their tensors and the saved modules' weights. With {@code trainable} the
     * adapter's parameters train (PEFT's is_trainable) and the rest is frozen; else all is frozen.
     */
    public static LoraConfig load(TransformerModel model, Path dir, boolean trainable) {
        LoraConfig c = readConfig(dir);
        String where = dir.resolve(CONFIG).toString();
        checkBase(model, c, dir);
        LoraConfig resolved = LoraModel.resolve(model, c, where);
        Map<String, Adaptable> targets = LoraModel.targets(model, resolved, where);
        Path file = dir.resolve(WEIGHTS);
        try (SafeTensors st = SafeTensors.open(file)) {
            check(model, resolved, targets, st);
            LoraModel.inject(targets, resolved);
            Map<String, Parameter> places = LoraModel.trained(model, resolved, targets, where);
            copy(st, places);
        }
        model.namedParameters().values().forEach(p -> p.setTrainable(false));
        if (trainable) {
            LoraModel.trained(model, resolved, targets, where).values().forEach(p -> p.setTrainable(true));
        }
        return resolved;
    }

    /**
     * Loads a base model folder with an adapter on top (its parameters training when {@code trainable},
     * else all frozen), for inference, merging or the oracle's probe. The head is
     * {@code head} when not null, else the adapter's task_type, else the base config's; a classification
     * head takes its number of labels from the adapter's saved head when the base config has another.
     */
    public static TransformerModel loadWithBase(Path base, Path adapter, Head head, long seed,
            boolean trainable) {
        LoraConfig c = readConfig(adapter);
        ModelConfig config = ModelConfig.read(base);
        Head h = head != null ? head : c.taskType() != null ? headOf(c.taskType()) : Head.of(config);
        if (h == Head.SEQUENCE_CLASSIFICATION || h == Head.TOKEN_CLASSIFICATION) {
            config = withLabelsOf(config, adapter, base);
        }
        TransformerModel model = Pretrained.load(base, config, h, seed).model();
        load(model, adapter, trainable);
        return model;
    }

    /** The head a PEFT task type stands for. */
    static Head headOf(String taskType) {
        return switch (taskType) {
            case "SEQ_CLS" -> Head.SEQUENCE_CLASSIFICATION;
            case "TOKEN_CLS" -> Head.TOKEN_CLASSIFICATION;
            case "QUESTION_ANS" -> Head.QUESTION_ANSWERING;
            case "CAUSAL_LM" -> Head.CAUSAL_LM;
            default -> Head.BASE;
        };
    }

    /**
     * The config with the adapter's labels: as many as its saved classifier/score has rows, named as
     * in the config.json saved beside the adapter when that has as many, else LABEL_i when the count
     * differs from the base's.
     */
    private static ModelConfig withLabelsOf(ModelConfig config, Path adapter, Path base) {
        Path file = adapter.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) {
            return config;
        }
        long labels = config.common().numLabels();
        try (SafeTensors st = SafeTensors.open(file)) {
            for (TensorInfo t : st.tensors()) {
                String n = t.name();
                boolean head = n.endsWith("classifier.weight") || n.endsWith("score.weight") || n.endsWith("out_proj.weight");
                if (head && t.shape().length == 2) {
                    labels = t.shape()[0];
                }
            }
        }
        com.fasterxml.jackson.databind.node.ObjectNode raw = config.common().raw().deepCopy();
        Path saved = adapter.resolve("config.json");
        if (Files.isRegularFile(saved)) {
            ModelConfig own = ModelConfig.read(adapter);
            if (own.common().numLabels() == labels) {
                for (String key : List.of("id2label", "label2id", "problem_type")) {
                    if (own.common().raw().has(key)) {
                        raw.set(key, own.common().raw().get(key));
                    }
                }
                raw.remove("num_labels");
                return ModelConfig.parse(raw, saved.toString());
            }
        }
        if (labels == config.common().numLabels()) {
            return config;
        }
        raw.remove("id2label");
        raw.remove("label2id");
        raw.put("num_labels", labels);
        return ModelConfig.parse(raw, base.resolve("config.json").toString());
    }

    /** Replaces the adapter's tensors of a model that already carries it (a checkpoint on resume). */
    public static void loadWeights(TransformerModel model, LoraConfig c, Path dir) {
        Map<String, Adaptable> targets = LoraModel.adapted(model);
        Map<String, Parameter> places = LoraModel.trained(model, c, targets, dir.toString());
        try (SafeTensors st = SafeTensors.open(dir.resolve(WEIGHTS))) {
            for (String name : places.keySet()) {
                if (st.info(name) == null) {
                    throw new Finetune4jException(dir.resolve(WEIGHTS) + ": missing tensor '" + name + "'");
                }
            }
            copy(st, places);
        }
    }

    /**
     * Writes adapter_config.json and adapter_model.safetensors into {@code dir}, and for a classification
     * head the model's config.json with its labels (PEFT ignores it; {@link #loadWithBase} reads the
     * names back). Each file goes to a temporary name, then is renamed.
     */
    public static void save(TransformerModel model, LoraConfig c, Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Parameter> places = LoraModel.trained(model, c, LoraModel.adapted(model), dir.toString());
        List<TensorData> tensors = new ArrayList<>();
        places.forEach((name, p) -> tensors.add(Tensors.fromTensor(name, p.data())));
        SafeTensorsWriter.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
        if (model.head == Head.SEQUENCE_CLASSIFICATION || model.head == Head.TOKEN_CLASSIFICATION) {
            Pretrained.saveConfig(model, dir); // the label names (id2label), which PEFT's own files do not keep
        }
        AtomicFile.write(dir.resolve(CONFIG), out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, c.toJson()));
    }

    /** Refuses an adapter whose recorded base (when it can be found on disk) is another model type. */
    private static void checkBase(TransformerModel model, LoraConfig c, Path dir) {
        if (c.baseModel() == null || c.baseModel().isBlank()) {
            return;
        }
        for (Path base : List.of(dir.resolve(c.baseModel()), Path.of(c.baseModel()))) {
            if (Files.isRegularFile(base.resolve("config.json"))) {
                String type;
                try {
                    type = ModelConfig.read(base).common().modelType();
                } catch (Finetune4jException e) {
                    return; // an unreadable recorded base is not this adapter's problem; the tensors are checked below
                }
                String have = model.config.common().modelType();
                if (!type.equals(have)) {
                    throw new Finetune4jException(dir.resolve(CONFIG) + ": the adapter was made for a " + type
                            + " model (base_model_name_or_path " + c.baseModel() + "), not for this " + have + " model");
                }
                return;
            }
        }
    }

    /** Every tensor of the file has a place of the same shape in the model, and every place has its tensor. */
    private static void check(TransformerModel model, LoraConfig c, Map<String, Adaptable> targets, SafeTensors st) {
        String file = st.file().toString();
        Map<String, Module> modules = model.namedModules();
        Map<String, Parameter> params = model.namedParameters();
        for (TensorInfo t : st.tensors()) {
            String key = t.name();
            if (!key.startsWith(PREFIX)) {
                throw new Finetune4jException(file + ": tensor '" + key + "' is not a PEFT adapter name (no " + PREFIX + " prefix)");
            }
            String path = key.substring(PREFIX.length());
            long[] shape = t.shape();
            if (path.endsWith(".lora_A.weight") || path.endsWith(".lora_B.weight")) {
                boolean isA = path.endsWith(".lora_A.weight");
                String layer = path.substring(0, path.length() - ".lora_A.weight".length());
                Adaptable a = targets.get(layer);
                if (a == null) {
                    throw new Finetune4jException(file + ": tensor '" + key + "': " + model.className()
                            + (modules.containsKey(layer) ? " has the layer '" + layer + "' but target_modules "
                                    + describeTargets(c) + " do not name it"
                                    : " has no layer '" + layer + "' (an adapter for another architecture?)"));
                }
                long[] want = isA ? new long[] {c.r(), a.inFeatures()} : new long[] {a.outFeatures(), c.r()};
                if (!Arrays.equals(shape, want)) {
                    boolean rank = shape.length == 2 && (isA ? shape[1] == want[1] && shape[0] != c.r()
                            : shape[0] == want[0] && shape[1] != c.r());
                    throw new Finetune4jException(file + ": tensor '" + key + "' has shape " + Arrays.toString(shape)
                            + " but " + (rank ? "r = " + c.r() + " in " + CONFIG + " and the layer " : "the layer ")
                            + layer + " (" + a.inFeatures() + " -> " + a.outFeatures() + ") needs " + Arrays.toString(want)
                            + (rank ? " (rank mismatch)" : ""));
                }
                continue;
            }
            String name = path.replace(".base_layer.", ".");
            Parameter p = params.get(name);
            if (p == null) {
                throw new Finetune4jException(file + ": tensor '" + key + "' has no place in " + model.className()
                        + " (no parameter '" + name + "'; an adapter for another architecture?)");
            }
            if (!Arrays.equals(shape, p.shape())) {
                String owner = name.substring(0, Math.max(0, name.lastIndexOf('.')));
                boolean vocab = modules.get(owner) instanceof Embedding || shape.length > 0
                        && (shape[0] == model.config.vocabSize() || p.shape()[0] == model.config.vocabSize());
                throw new Finetune4jException(file + ": tensor '" + key + "' has shape " + Arrays.toString(shape)
                        + " but " + name + " of the model is " + Arrays.toString(p.shape())
                        + (vocab ? " (the vocabulary size differs: the model has " + model.config.vocabSize() + " tokens)" : ""));
            }
        }
        for (String name : LoraModel.trained(model, c, targets, file).keySet()) {
            if (st.info(name) == null) {
                throw new Finetune4jException(file + ": missing tensor '" + name + "' (bias " + c.bias() + ", modules_to_save "
                        + c.modulesToSave() + ")");
            }
        }
        for (Map.Entry<String, Adaptable> e : targets.entrySet()) {
            for (String part : List.of(".lora_A.weight", ".lora_B.weight")) {
                if (st.info(PREFIX + e.getKey() + part) == null) {
                    throw new Finetune4jException(file + ": missing tensor '" + PREFIX + e.getKey() + part + "' (target_modules "
                            + describeTargets(c) + " match " + e.getKey() + " of " + model.className() + ")");
                }
            }
        }
    }

    private static String describeTargets(LoraConfig c) {
        return c.targetRegex() != null ? "'" + c.targetRegex() + "'" : String.valueOf(c.targetModules());
    }

    /** Copies the file's tensors into their places (float32, libtorch memory, no gradient recorded). */
    private static void copy(SafeTensors st, Map<String, Parameter> places) {
        try (Autograd.Guard off = Autograd.noGrad()) {
            places.forEach((name, p) -> {
                TensorInfo info = st.info(name);
                Tensor a = Tensors.toTensor(info, st.data(name));
                if (a.dtype() != DType.F32) {
                    Tensor f = a.to(DType.F32);
                    a.close();
                    a = f;
                }
                p.set(a);
            });
        }
    }
}
