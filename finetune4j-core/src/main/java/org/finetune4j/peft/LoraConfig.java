package org.finetune4j.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.Keys;

/**
 * A LoRA configuration with PEFT's names and defaults ({@code LoraConfig}): rank {@code r},
 * {@code lora_alpha}, {@code lora_dropout}, which layers ({@code target_modules} as a list of
 * module-name suffixes, a regex matched against the whole module path, or {@code all-linear};
 * {@code layers_to_transform}), which extra parameters train ({@code bias}, {@code modules_to_save}),
 * {@code use_rslora}, {@code fan_in_fan_out}, {@code init_lora_weights} and {@code task_type}.
 * Read from a recipe's {@code peft:} block or from an {@code adapter_config.json}.
 *
 * @param targetModules the list form, or null
 * @param targetRegex the regex form, or null (when both are null: PEFT's defaults for the model type)
 * @param init "true" (kaiming-uniform A, zero B), "gaussian" (A normal with std 1/r) or "false" (B random too)
 * @param taskType SEQ_CLS, TOKEN_CLS, QUESTION_ANS, CAUSAL_LM, FEATURE_EXTRACTION, or null (from the model's head)
 * @param baseModel base_model_name_or_path as written to adapter_config.json (may be null)
 */
public record LoraConfig(int r, double loraAlpha, double loraDropout, List<String> targetModules, String targetRegex,
        boolean allLinear, String bias, List<String> modulesToSave, boolean useRslora, boolean fanInFanOut, String init,
        List<Integer> layersToTransform, String taskType, String baseModel) {

    public static final List<String> BIAS = List.of("none", "all", "lora_only");
    public static final List<String> TASK_TYPES = List.of("SEQ_CLS", "TOKEN_CLS", "QUESTION_ANS", "CAUSAL_LM", "FEATURE_EXTRACTION");
    public static final String ALL_LINEAR = "all-linear";

    public LoraConfig {
        targetModules = targetModules == null ? null : List.copyOf(targetModules);
        modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
        layersToTransform = layersToTransform == null ? null : List.copyOf(layersToTransform);
    }

    /** lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora. */
    public double scaling() {
        return useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r;
    }

    /** This config with the targets, task type, modules to save and base resolved against a model. */
    LoraConfig resolved(List<String> targets, String task, List<String> save, String base) {
        return new LoraConfig(r, loraAlpha, loraDropout, targets, targetRegex, false, bias, save, useRslora, fanInFanOut, init,
                layersToTransform, task, base);
    }

    /** This config recording {@code base} as base_model_name_or_path. */
    public LoraConfig withBaseModel(String base) {
        return new LoraConfig(r, loraAlpha, loraDropout, targetModules, targetRegex, allLinear, bias, modulesToSave, useRslora,
                fanInFanOut, init, layersToTransform, taskType, base);
    }

    /** This config with fan_in_fan_out set as the adapted layers store their weights. */
    LoraConfig withFanInFanOut(boolean on) {
        return new LoraConfig(r, loraAlpha, loraDropout, targetModules, targetRegex, allLinear, bias, modulesToSave, useRslora,
                on, init, layersToTransform, taskType, baseModel);
    }

    /** Checks ranges; {@code fail} builds the error for a key. */
    public void check(java.util.function.BiFunction<String, String, Finetune4jException> fail) {
        if (r < 1) {
            throw fail.apply("r", "must be 1 or more, got " + r);
        }
        if (loraDropout < 0 || loraDropout >= 1) {
            throw fail.apply("lora_dropout", "must be in [0, 1), got " + loraDropout);
        }
        if (!BIAS.contains(bias)) {
            throw fail.apply("bias", "must be one of " + BIAS + ", got '" + bias + "'");
        }
        if (taskType != null && !TASK_TYPES.contains(taskType)) {
            throw fail.apply("task_type", "must be one of " + TASK_TYPES + ", got '" + taskType + "'");
        }
        if (!List.of("true", "false", "gaussian").contains(init)) {
            throw fail.apply("init_lora_weights", "'" + init + "' is not supported (supported: true, gaussian, false)");
        }
        if (targetRegex != null) {
            try {
                java.util.regex.Pattern.compile(targetRegex);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw fail.apply("target_modules", "is not a valid regex: " + e.getDescription());
            }
        }
        if (targetModules != null && targetModules.isEmpty()) {
            throw fail.apply("target_modules", "is empty");
        }
    }

    /**
     * Reads the options of {@link LoraOptions} from {@code s} (a recipe's peft block, an adapter_config.json) with
     * PEFT's defaults: refused options are refused by name, values type-checked, then {@link #check}ed.
     */
    public static LoraConfig read(Keys s) {
        LoraOptions.refuseUnsupported(s);
        JsonNode tm = s.raw("target_modules");
        List<String> list = null;
        String regex = null;
        boolean allLinear = false;
        if (tm != null && tm.isTextual()) {
            allLinear = tm.textValue().equals(ALL_LINEAR);
            regex = allLinear ? null : tm.textValue();
        } else if (tm != null && tm.isArray()) {
            list = s.strings("target_modules");
        } else if (tm != null) {
            throw s.error("target_modules", "must be a list of names or a regex, got " + tm);
        }
        JsonNode init = s.raw("init_lora_weights");
        String task = s.string("task_type", null);
        LoraConfig c = new LoraConfig(s.integer("r", 8), s.number("lora_alpha", 8), s.number("lora_dropout", 0), list, regex,
                allLinear, s.string("bias", "none"), s.strings("modules_to_save").stream().distinct().toList(),
                s.bool("use_rslora", false), s.bool("fan_in_fan_out", false), init == null ? "true" : init.asText(), layers(s),
                task == null ? null : task.toUpperCase(java.util.Locale.ROOT), s.string("base_model_name_or_path", null));
        c.check(s::error);
        return c;
    }

    /** Reads an adapter_config.json ({@link #read}); options Finetune4j does not know are refused by name when set. */
    public static LoraConfig fromJson(JsonNode j, String file) {
        Keys s = new Keys() {
            @Override
            public JsonNode raw(String key) {
                JsonNode n = j.get(key);
                return n == null || n.isNull() ? null : n;
            }

            @Override
            public Finetune4jException error(String key, String message) {
                return new Finetune4jException(file + ": " + key + " " + message);
            }
        };
        String type = j.path("peft_type").asText("");
        if (!type.equals("LORA")) {
            throw s.error("peft_type", "'" + type + "' is not supported (Finetune4j loads LoRA adapters)");
        }
        List<String> known = LoraOptions.ALL.stream().map(LoraOptions.Option::key).toList();
        j.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k) && LoraOptions.isSet(j.get(k))) {
                throw s.error(k, "= " + j.get(k) + " is an option Finetune4j does not know; refusing rather than ignoring it");
            }
        });
        return read(s);
    }

    /** adapter_config.json as PEFT writes it (keys sorted, the options this config does not use at their defaults). */
    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, JsonNode> m = new TreeMap<>();
        for (LoraOptions.Option o : LoraOptions.ALL) {
            if (o.unset() != null) {
                m.put(o.key(), o.unset());
            }
        }
        m.put("base_model_name_or_path", baseModel == null ? f.nullNode() : f.textNode(baseModel));
        m.put("bias", f.textNode(bias));
        m.put("fan_in_fan_out", f.booleanNode(fanInFanOut));
        m.put("init_lora_weights", init.equals("gaussian") ? f.textNode("gaussian") : f.booleanNode(init.equals("true")));
        m.put("layers_to_transform", layersToTransform == null ? f.nullNode() : f.pojoNode(layersToTransform));
        m.put("lora_alpha", loraAlpha == Math.rint(loraAlpha) ? f.numberNode((long) loraAlpha) : f.numberNode(loraAlpha));
        m.put("lora_dropout", f.numberNode(loraDropout));
        m.put("modules_to_save", modulesToSave.isEmpty() ? f.nullNode() : f.pojoNode(modulesToSave));
        m.put("r", f.numberNode(r));
        m.put("target_modules", targetRegex != null ? f.textNode(targetRegex)
                : targetModules == null ? f.nullNode() : f.pojoNode(targetModules.stream().sorted().toList()));
        m.put("task_type", taskType == null ? f.nullNode() : f.textNode(taskType));
        m.put("use_rslora", f.booleanNode(useRslora));
        ObjectNode o = f.objectNode();
        m.forEach((k, v) -> o.set(k, v.deepCopy()));
        return o;
    }

    /** layers_to_transform: an index or a list of them; null when absent. */
    private static List<Integer> layers(Keys s) {
        JsonNode n = s.raw("layers_to_transform");
        if (n == null) {
            return null;
        }
        List<Integer> out = new ArrayList<>();
        if (n.isIntegralNumber()) {
            out.add(n.intValue());
            return out;
        }
        if (n.isArray()) {
            for (JsonNode e : n) {
                if (!e.isIntegralNumber()) {
                    throw s.error("layers_to_transform", "must be a layer index or a list of them, got " + n);
                }
                out.add(e.intValue());
            }
            return out;
        }
        throw s.error("layers_to_transform", "must be a layer index or a list of them, got " + n);
    }
}
