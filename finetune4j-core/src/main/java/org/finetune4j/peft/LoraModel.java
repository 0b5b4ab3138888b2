package org.finetune4j.peft;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.finetune4j.Finetune4jException;
import org.finetune4j.model.Head;
import org.finetune4j.model.Initializer;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Adaptable;
import org.finetune4j.nn.Init;
import org.finetune4j.nn.Lora;
import org.finetune4j.nn.Module;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Autograd;

/**
 * LoRA on a model, as PEFT's LoraModel does it: the layers a config targets get a {@link Lora}
 * branch, everything else is frozen except the biases {@code bias} names and the modules to save;
 * merge folds {@code scaling * B A} into the base weights, unmerge takes it out again, unload
 * removes the branches. Targets match PEFT: a list entry matches a module path that equals it or
 * ends with "." + it; a regex must match the whole path; {@code all-linear} is every linear layer
 * outside the head.
 */
public final class LoraModel {

    /** PEFT's default target modules by model type (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
    static final Map<String, List<String>> DEFAULT_TARGETS = Map.of(
            "bert", List.of("query", "value"), "roberta", List.of("query", "value"),
            "distilbert", List.of("q_lin", "v_lin"), "gpt2", List.of("c_attn"), "opt", List.of("q_proj", "v_proj"),
            "llama", List.of("q_proj", "v_proj"), "mistral", List.of("q_proj", "v_proj"), "qwen2", List.of("q_proj", "v_proj"));

    /** First ".name.N." of a module path: the layer index layers_to_transform selects by (PEFT's default pattern). */
    private static final Pattern LAYER_INDEX = Pattern.compile(".*\\.[^.]*\\.(\\d+)\\.");

    private LoraModel() {}

    /**
     * Injects fresh branches (initialised from {@code seed} as {@code init_lora_weights} says), freezes
     * the base and marks what trains; returns the config resolved against the model (targets as the
     * matched paths' names, task type, modules to save), which is what the adapter folder records.
     */
    public static LoraConfig apply(TransformerModel model, LoraConfig c, long seed, String where) {
        LoraConfig resolved = resolve(model, c, where);
        Map<String, Adaptable> targets = targets(model, resolved, where);
        inject(targets, resolved);
        Initializer.initialiseMissing(model, seed);
        markTrainable(model, resolved, targets, where);
        return resolved;
    }

    /** Task type (from the head when absent), modules to save (plus the task's head, as PEFT adds it), targets. */
    public static LoraConfig resolve(TransformerModel model, LoraConfig c, String where) {
        String task = c.taskType() != null ? c.taskType() : taskType(model.head);
        checkTask(model, task, where);
        List<String> save = new ArrayList<>(c.modulesToSave());
        for (String m : defaultModulesToSave(task)) {
            if (!save.contains(m)) {
                save.add(m);
            }
        }
        List<String> targets = c.targetModules();
        if (c.allLinear()) {
            targets = new ArrayList<>(linearOutsideHead(model).keySet());
        } else if (targets == null && c.targetRegex() == null) {
            targets = DEFAULT_TARGETS.get(model.config.common().modelType());
            if (targets == null) {
                throw new Finetune4jException(where + ": target_modules is required for model type " + model.config.common().modelType());
            }
        }
        LoraConfig out = c.resolved(targets, task, save, c.baseModel());
        // PEFT sets fan_in_fan_out from the layers it finds (true for GPT-2's Conv1D, false for Linear) and saves that
        boolean fan = targets(model, out, where).values().stream().anyMatch(Adaptable::fanInFanOut);
        return out.withFanInFanOut(fan);
    }

    /** The task type PEFT would use for a head (null: a plain PeftModel). */
    public static String taskType(Head head) {
        return switch (head) {
            case SEQUENCE_CLASSIFICATION -> "SEQ_CLS";
            case TOKEN_CLASSIFICATION -> "TOKEN_CLS";
            case QUESTION_ANSWERING -> "QUESTION_ANS";
            case CAUSAL_LM -> "CAUSAL_LM";
            case BASE -> "FEATURE_EXTRACTION";
            default -> null;
        };
    }

    /** Refuses a task type that is not the model's head. */
    static void checkTask(TransformerModel model, String task, String where) {
        if (task != null && !task.equals(taskType(model.head))) {
            throw new Finetune4jException(where + ": task_type " + task + " does not fit " + model.className()
                    + " (its task type is " + taskType(model.head) + ")");
        }
    }

    /** The heads PEFT trains and saves with the adapter for a task type. */
    static List<String> defaultModulesToSave(String task) {
        if (task == null) {
            return List.of();
        }
        return switch (task) {
            case "SEQ_CLS", "TOKEN_CLS" -> List.of("classifier", "score");
            case "QUESTION_ANS" -> List.of("qa_outputs");
            default -> List.of();
        };
    }

    /** The layers a resolved config targets, by path; refuses targets that match nothing or a layer LoRA cannot adapt. */
    static Map<String, Adaptable> targets(TransformerModel model, LoraConfig c, String where) {
        Map<String, Adaptable> out = new LinkedHashMap<>();
        Pattern regex = c.targetRegex() == null ? null : Pattern.compile(c.targetRegex());
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            String path = e.getKey();
            if (path.isEmpty() || path.endsWith(".lora_A") || path.endsWith(".lora_B")) {
                continue;
            }
            boolean hit = regex != null ? regex.matcher(path).matches()
                    : c.targetModules().stream().anyMatch(t -> path.equals(t) || path.endsWith("." + t));
            if (!hit || !inLayers(path, c.layersToTransform())) {
                continue;
            }
            if (!(e.getValue() instanceof Adaptable a)) {
                throw new Finetune4jException(where + ": target module '" + path + "' is a "
                        + e.getValue().getClass().getSimpleName() + "; LoRA adapts linear layers (Linear, Conv1D) only");
            }
            out.put(path, a);
        }
        if (out.isEmpty()) {
            String what = c.targetRegex() != null ? "regex '" + c.targetRegex() + "'" : "target_modules " + c.targetModules();
            throw new Finetune4jException(where + ": " + what
                    + (c.layersToTransform() != null ? " in layers " + c.layersToTransform() : "")
                    + (c.targetRegex() != null ? " matches" : " match") + " no module of " + model.className() + " (linear layers: "
                    + String.join(", ", linearOutsideHead(model).keySet().stream().limit(8).toList()) + " ...)");
        }
        return out;
    }

    private static boolean inLayers(String path, List<Integer> layers) {
        if (layers == null) {
            return true;
        }
        Matcher m = LAYER_INDEX.matcher(path + ".");
        return m.lookingAt() && layers.contains(Integer.parseInt(m.group(1)));
    }

    /** Every linear layer of the backbone (all-linear: the output head is left out), by path. */
    static Map<String, Adaptable> linearOutsideHead(TransformerModel model) {
        Map<String, Adaptable> out = new LinkedHashMap<>();
        model.namedModules().forEach((path, m) -> {
            if (m instanceof Adaptable a && path.startsWith(model.basePrefix())
                    && !path.endsWith(".lora_A") && !path.endsWith(".lora_B")) {
                out.put(path, a);
            }
        });
        return out;
    }

    /** Attaches a branch without data to every target (data comes from an initialiser or an adapter file). */
    static void inject(Map<String, Adaptable> targets, LoraConfig c) {
        Init initA = c.init().equals("gaussian") ? Init.normal(1.0 / c.r()) : Init.KAIMING_UNIFORM;
        Init initB = c.init().equals("false") ? Init.KAIMING_UNIFORM : Init.ZEROS;
        targets.values().forEach(t -> t.attach(new Lora(t.inFeatures(), t.outFeatures(), c.r(), c.scaling(),
                c.loraDropout(), initA, initB)));
    }

    /** Freezes everything, then unfreezes the branches, the biases {@code bias} names and the modules to save. */
    static void markTrainable(TransformerModel model, LoraConfig c, Map<String, Adaptable> targets, String where) {
        model.namedParameters().values().forEach(p -> p.setTrainable(false));
        trained(model, c, targets, where).values().forEach(p -> p.setTrainable(true));
    }

    /**
     * What an adapter of this config holds, under PEFT's file names ({@code base_model.model.} + path):
     * {@code <layer>.lora_A.weight} / {@code .lora_B.weight}, biases ({@code <layer>.base_layer.bias} for an
     * adapted layer) and every parameter of the modules to save.
     */
    static Map<String, Parameter> trained(TransformerModel model, LoraConfig c, Map<String, Adaptable> targets, String where) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Map.Entry<String, Adaptable> t : targets.entrySet()) {
            Lora l = t.getValue().lora();
            if (l == null) {
                continue; // not injected yet (an adapter being checked before loading)
            }
            out.put(Adapters.PREFIX + t.getKey() + ".lora_A.weight", l.loraA.weight);
            out.put(Adapters.PREFIX + t.getKey() + ".lora_B.weight", l.loraB.weight);
        }
        if (!c.bias().equals("none")) {
            Map<String, Module> modules = model.namedModules();
            model.namedParameters().forEach((name, p) -> {
                if (!name.endsWith(".bias") || name.contains(".lora_")) {
                    return;
                }
                String owner = name.substring(0, name.length() - ".bias".length());
                boolean adapted = targets.containsKey(owner) && modules.get(owner) instanceof Adaptable;
                if (adapted) {
                    out.put(Adapters.PREFIX + owner + ".base_layer.bias", p);
                } else if (c.bias().equals("all")) {
                    out.put(Adapters.PREFIX + name, p);
                }
            });
        }
        for (String path : modulesToSavePaths(model, c)) {
            model.namedParameters().forEach((name, p) -> {
                if (name.startsWith(path + ".")) {
                    out.put(Adapters.PREFIX + name, p);
                }
            });
        }
        return out;
    }

    /** The module paths the config's modules_to_save name (a name matches a path equal to it or ending in "." + it). */
    public static List<String> modulesToSavePaths(TransformerModel model, LoraConfig c) {
        List<String> out = new ArrayList<>();
        for (String path : model.namedModules().keySet()) {
            if (!path.isEmpty() && c.modulesToSave().stream().anyMatch(m -> path.equals(m) || path.endsWith("." + m))) {
                out.add(path);
            }
        }
        return out;
    }

    /** The adapted layers of a model, by path. */
    public static Map<String, Adaptable> adapted(Module model) {
        Map<String, Adaptable> out = new LinkedHashMap<>();
        model.namedModules().forEach((path, m) -> {
            if (m instanceof Adaptable a && a.lora() != null) {
                out.put(path, a);
            }
        });
        return out;
    }

    /** Folds every branch into its base weight (W += scaling B A, transposed for fan_in_fan_out layers). */
    public static void merge(Module model) {
        withoutGrad(() -> adapted(model).values().forEach(a -> a.lora().merge(a)));
    }

    /** Takes merged branches out of the base weights again (W -= scaling B A). */
    public static void unmerge(Module model) {
        withoutGrad(() -> adapted(model).values().forEach(a -> a.lora().unmerge(a)));
    }

    /** Merges and removes the branches: a plain model whose forward equals the adapted one (PEFT's merge_and_unload). */
    public static void mergeAndUnload(Module model) {
        merge(model);
        adapted(model).values().forEach(Adaptable::detach);
    }

    private static void withoutGrad(Runnable r) {
        try (Autograd.Guard off = Autograd.noGrad()) {
            r.run();
        }
    }
}
