package org.finetune4j.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.TensorInfo;
import org.finetune4j.io.WeightFiles;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Tensors;

/**
 * Loads a Hugging Face model folder by HF names: keys match parameters one to one (tied weights
 * are one parameter; legacy LayerNorm gamma/beta and bare-backbone keys are accepted), shapes
 * are checked, heads absent from the file are initialised and reported. Weights are held in
 * config.json's dtype when it names one, else in the file's (bfloat16 and float16 stay 2 bytes
 * an element; other types become float32); saving writes that dtype back.
 */
public final class Pretrained {

    /** A loaded model and what loading found. */
    public record Loaded(TransformerModel model, LoadReport report) {}

    private Pretrained() {}

    /** Loads {@code dir} with the head its config names (or {@code head} when not null). */
    public static Loaded load(Path dir, Head head, long seed) {
        return load(dir, ModelConfig.read(dir), head, seed);
    }

    /** Loads the weights of {@code dir} into a model built from {@code config} (e.g. with new labels). */
    public static Loaded load(Path dir, ModelConfig config, Head head, long seed) {
        return load(dir, config, head, seed, false);
    }

    /**
     * As {@link #load(Path, ModelConfig, Head, long)}; with {@code int8} the backbone's linear
     * weights are quantized tensor by tensor as they are read ({@link Int8}, Transformers' load_in_8bit).
     */
    public static Loaded load(Path dir, ModelConfig config, Head head, long seed, boolean int8) {
        return load(dir, config, head, seed, int8, false);
    }

    /**
     * As above. A backbone weight the file lacks is an error naming it, unless {@code allowMissing} (a
     * recipe's {@code model.allow_missing}): then it is initialised at random like a new head.
     */
    public static Loaded load(Path dir, ModelConfig config, Head head, long seed, boolean int8,
            boolean allowMissing) {
        TransformerModel model = create(dir, config, head);
        try (WeightFiles files = WeightFiles.open(dir)) {
            LoadReport report = loadWeights(model, files, int8 ? Int8.targets(model) : Map.of());
            if (!allowMissing) {
                checkBackbone(model, report, files);
            }
            Initializer.initialiseMissing(model, seed);
            if (int8) {
                Int8.quantize(model); // targets the file lacked, initialised in float32
            }
            return new Loaded(model, report);
        }
    }

    /**
     * Loads {@code dir} with {@code head} (null: the config's) for inference: every parameter, the head's
     * too, must be in the file, since a head initialised at random answers at random.
     */
    public static TransformerModel loadTrained(Path dir, Head head, String use) {
        Loaded l = load(dir, head, 0);
        List<String> fresh = l.report().newlyInitialised();
        if (!fresh.isEmpty()) {
            try (WeightFiles files = WeightFiles.open(dir)) {
                throw new Finetune4jException(files.where() + ": the " + l.model().className() + " head was never trained ("
                        + LoadReport.names(fresh) + " not in the file); " + use);
            }
        }
        return l.model();
    }

    /** Fails when the file lacks backbone weights: config.json does not describe these weights. */
    private static void checkBackbone(TransformerModel model, LoadReport report, WeightFiles files) {
        List<String> missing = report.newlyInitialised().stream().filter(n -> !model.headParameter(n)).toList();
        if (missing.isEmpty()) {
            return;
        }
        ModelConfig c = model.config;
        if (files.names().isEmpty()) {
            throw new Finetune4jException(files.where() + ": holds no tensors");
        }
        if (report.loaded() == 0) {
            throw new Finetune4jException(files.where() + ": none of its " + files.names().size() + " tensors belongs to a "
                    + model.className() + " (the first is '" + files.names().iterator().next() + "'): does config.json's"
                    + " model_type '" + c.common().modelType() + "' match the weights?");
        }
        throw new Finetune4jException(files.where() + ": " + missing.size() + " backbone weights are not in the file: "
                + LoadReport.names(missing) + " (config.json describes a " + model.className() + " with " + c.numLayers()
                + " layers, hidden size " + c.hiddenSize() + ", vocabulary " + c.vocabSize() + "; a key it lacks takes"
                + " Transformers' default); fix config.json, or set model.allow_missing: true in the recipe to initialise"
                + " them at random");
    }

    /** Replaces the parameters of {@code model} by the weights of {@code dir}; every parameter must be there. */
    public static void loadInto(TransformerModel model, Path dir) {
        try (WeightFiles files = WeightFiles.open(dir)) {
            LoadReport r = loadWeights(model, files);
            if (!r.newlyInitialised().isEmpty()) {
                throw new Finetune4jException(dir + ": missing weights " + String.join(", ", r.newlyInitialised()));
            }
        }
    }

    /** The module tree for {@code head}, else the config's architectures; errors name the config file. */
    private static TransformerModel create(Path dir, ModelConfig config, Head head) {
        try {
            return TransformerModel.create(config, head != null ? head : Head.of(config));
        } catch (Finetune4jException e) {
            Path file = java.nio.file.Files.isDirectory(dir) ? dir.resolve("config.json") : dir;
            throw new Finetune4jException(file + ": " + e.getMessage(), e);
        }
    }

    /** Copies the file's tensors into the model's parameters; returns missing and unexpected keys. */
    static LoadReport loadWeights(TransformerModel model, WeightFiles files) {
        return loadWeights(model, files, Map.of());
    }

    /** As above; the parameters of {@code int8} (value: stored transposed) and those already quantized load as int8. */
    static LoadReport loadWeights(TransformerModel model, WeightFiles files, Map<Parameter, Boolean> int8) {
        Map<String, Parameter> byName = model.allNamedParameters();
        Map<Parameter, String> loaded = new java.util.IdentityHashMap<>();
        List<String> unexpected = new ArrayList<>();
        try (Autograd.Guard off = Autograd.noGrad()) {
            for (String key : files.names()) {
                String name = match(key, byName, model.basePrefix());
                Parameter p = name == null ? null : byName.get(name);
                if (p == null) {
                    unexpected.add(key);
                } else if (!loaded.containsKey(p)) {
                    if (int8.containsKey(p) || p.quantized()) {
                        checkShape(files, key, p);
                        Int8.load(files, key, p, p.quantized() ? p.int8().transposed() : int8.get(p));
                    } else {
                        // a parameter that has data keeps its dtype (float32 master weights on resume)
                        DType configured = p.hasData() ? p.dtype() : model.config.common().dtype();
                        p.set(read(files, key, p, configured));
                    }
                    loaded.put(p, key);
                }
            }
        }
        List<String> missing = new ArrayList<>();
        model.namedParameters().forEach((name, p) -> {
            if (!loaded.containsKey(p)) {
                missing.add(name);
            }
        });
        return new LoadReport(missing, unexpected, loaded.size());
    }

    private static void checkShape(WeightFiles files, String key, Parameter p) {
        TensorInfo info = files.info(key);
        if (!java.util.Arrays.equals(info.shape(), p.shape())) {
            throw new Finetune4jException(files.fileOf(key) + ": tensor '" + key + "' has shape "
                    + java.util.Arrays.toString(info.shape()) + " but the model built from config.json expects "
                    + java.util.Arrays.toString(p.shape()));
        }
    }

    private static Tensor read(WeightFiles files, String key, Parameter p, DType configured) {
        checkShape(files, key, p);
        Tensor a = tensor(files, key);
        DType held = held(a.dtype(), configured);
        if (a.dtype() != held) {
            Tensor f = a.to(held);
            a.close();
            a = f;
        }
        return a;
    }

    /** The dtype a weight stored as {@code stored} is held in: config.json's, else bfloat16 or float16 as stored, else float32. */
    static DType held(DType stored, DType configured) {
        if (configured != null) {
            return configured;
        }
        return stored == DType.BF16 || stored == DType.F16 ? stored : DType.F32;
    }

    /** The parameter name a file key stands for, or null. */
    static String match(String key, Map<String, Parameter> byName, String prefix) {
        String k = key.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias");
        if (byName.containsKey(k)) {
            return k;
        }
        if (byName.containsKey(prefix + k)) { // a bare backbone checkpoint (BertModel saved alone)
            return prefix + k;
        }
        return null;
    }

    /**
     * Writes an HF model folder: config.json (the loaded keys kept, architectures set to this
     * class) and model.safetensors with every parameter once under its HF name, in config.json's
     * dtype (the base's) when it names one, else as held. Each file is written to a temporary name
     * and renamed.
     */
    public static void save(TransformerModel model, Path dir) {
        save(model, dir, null);
    }

    /** As {@link #save(TransformerModel, Path)}, the weights in {@code dtype} (null: the config's, else as held), written into config.json. */
    public static void save(TransformerModel model, Path dir, DType dtype) {
        DType target = dtype != null ? dtype : model.config.common().dtype();
        try {
            java.nio.file.Files.createDirectories(dir);
            List<org.finetune4j.io.TensorData> tensors = new ArrayList<>();
            model.namedParameters().forEach((name, p) -> {
                try (Scope scope = Scope.open()) { // 8-bit weights are written dequantized
                    Tensor v = p.value();
                    tensors.add(Tensors.fromTensor(name, target == null ? v : v.to(target)));
                }
            });
            org.finetune4j.io.SafeTensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
            saveConfig(model, dir, target != null ? target : heldDtype(model));
        } catch (java.io.IOException e) {
            throw new Finetune4jException(dir + ": cannot write the model (" + e.getMessage() + ")");
        }
    }

    /** The dtype every parameter is held in, or null when they differ (an 8-bit weight computes in float32). */
    private static DType heldDtype(TransformerModel model) {
        java.util.Set<DType> held = java.util.EnumSet.noneOf(DType.class);
        model.namedParameters().values().forEach(p -> held.add(p.dtype()));
        return held.size() == 1 ? held.iterator().next() : null;
    }

    /** Writes the model's config.json into {@code dir} (to a temporary name, then renamed). */
    public static void saveConfig(TransformerModel model, Path dir) throws java.io.IOException {
        saveConfig(model, dir, null);
    }

    /** As {@link #saveConfig(TransformerModel, Path)}, naming {@code dtype} (when not null) as the weights' dtype. */
    public static void saveConfig(TransformerModel model, Path dir, DType dtype) throws java.io.IOException {
        Path file = dir.resolve("config.json");
        com.fasterxml.jackson.databind.node.ObjectNode json = dtype == null ? model.config.common().raw().deepCopy()
                : model.config.common().withDtype(dtype);
        json.putArray("architectures").add(model.className());
        org.finetune4j.io.AtomicFile.write(file, out -> org.finetune4j.io.Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(out, json));
    }

    /**
     * Tensor {@code key} (shape already checked) as a new tensor in its own dtype, read straight into its memory
     * (positional reads, no mapping: the file's pages stay in the page cache instead of this process's resident
     * set, where mapped pages would sit until the garbage collector unmaps them).
     */
    static Tensor tensor(WeightFiles files, String key) {
        TensorInfo info = files.info(key);
        if (info.numel() == 0 || info.byteCount() > Integer.MAX_VALUE) {
            return Tensors.toTensor(info, files.data(key));
        }
        return Tensors.read(info, into -> files.read(key, into));
    }
}
