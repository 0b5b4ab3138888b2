package org.finetune4j.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.finetune4j.Finetune4jException;

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

    /** Options that change what an adapter computes and that Finetune4j does not implement; refused by name when set. */
    static final List<String> UNSUPPORTED = List.of("use_dora", "lora_bias", "layer_replication", "rank_pattern",
            "alpha_pattern", "megatron_config", "target_parameters", "trainable_token_indices", "use_qalora", "use_bdlora",
            "alora_invocation_tokens", "exclude_modules", "layers_pattern", "loftq_config", "eva_config", "corda_config",
            "lora_ga_config", "kasa_config", "arrow_config", "velora_config", "monteclora_config");

    /** Keys of adapter_config.json that do not change the computation (or are read elsewhere). */
    static final List<String> IGNORED = List.of("base_model_name_or_path", "revision", "inference_mode", "peft_version",
            "auto_mapping", "megatron_core", "qalora_group_size", "ensure_weight_tying", "peft_type");

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

    /** Reads an adapter_config.json; options Finetune4j does not implement are refused by name. */
    public static LoraConfig fromJson(JsonNode j, String file) {
        java.util.function.BiFunction<String, String, Finetune4jException> fail =
                (k, m) -> new Finetune4jException(file + ": " + k + " " + m);
        String type = j.path("peft_type").asText("");
        if (!type.equals("LORA")) {
            throw fail.apply("peft_type", "'" + type + "' is not supported (Finetune4j loads LoRA adapters)");
        }
        for (String key : UNSUPPORTED) {
            if (isSet(j.get(key))) {
                throw fail.apply(key, "= " + j.get(key) + " is not supported (Finetune4j implements plain LoRA)");
            }
        }
        List<String> known = new ArrayList<>(UNSUPPORTED);
        known.addAll(IGNORED);
        known.addAll(List.of("r", "lora_alpha", "lora_dropout", "target_modules", "bias", "modules_to_save", "use_rslora",
                "fan_in_fan_out", "init_lora_weights", "layers_to_transform", "task_type"));
        j.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k) && isSet(j.get(k))) {
                throw fail.apply(k, "= " + j.get(k) + " is an option Finetune4j does not know; refusing rather than ignoring it");
            }
        });
        JsonNode tm = j.get("target_modules");
        List<String> list = null;
        String regex = null;
        boolean allLinear = false;
        if (tm != null && tm.isTextual()) {
            allLinear = tm.textValue().equals(ALL_LINEAR);
            regex = allLinear ? null : tm.textValue();
        } else if (tm != null && tm.isArray()) {
            list = new ArrayList<>();
            for (JsonNode e : tm) {
                list.add(e.asText());
            }
        } else if (isSet(tm)) {
            throw fail.apply("target_modules", "must be a list of names or a regex, got " + tm);
        }
        JsonNode init = j.get("init_lora_weights");
        String initText = init == null || init.isNull() ? "true" : init.asText();
        LoraConfig c = new LoraConfig(j.path("r").asInt(8), j.path("lora_alpha").asDouble(8), j.path("lora_dropout").asDouble(0),
                list, regex, allLinear, j.path("bias").asText("none"), strings(j.get("modules_to_save")),
                j.path("use_rslora").asBoolean(false), j.path("fan_in_fan_out").asBoolean(false), initText,
                ints(j.get("layers_to_transform")), text(j.get("task_type")), text(j.get("base_model_name_or_path")));
        c.check(fail);
        return c;
    }

    /** adapter_config.json as PEFT writes it (keys sorted, the options this config does not use at their defaults). */
    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, JsonNode> m = new TreeMap<>();
        for (String k : List.of("alora_invocation_tokens", "arrow_config", "auto_mapping", "corda_config", "eva_config",
                "exclude_modules", "kasa_config", "layer_replication", "layers_pattern", "lora_ga_config", "megatron_config",
                "monteclora_config", "revision", "target_parameters", "trainable_token_indices", "use_bdlora", "velora_config")) {
            m.put(k, f.nullNode());
        }
        m.put("alpha_pattern", f.objectNode());
        m.put("rank_pattern", f.objectNode());
        m.put("loftq_config", f.objectNode());
        m.put("ensure_weight_tying", f.booleanNode(false));
        m.put("inference_mode", f.booleanNode(true));
        m.put("lora_bias", f.booleanNode(false));
        m.put("use_dora", f.booleanNode(false));
        m.put("use_qalora", f.booleanNode(false));
        m.put("megatron_core", f.textNode("megatron.core"));
        m.put("qalora_group_size", f.numberNode(16));
        m.put("peft_type", f.textNode("LORA"));
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
        m.forEach(o::set);
        return o;
    }

    /** Whether an option holds a value other than its "off" default (null, false, empty). */
    static boolean isSet(JsonNode n) {
        return n != null && !n.isNull() && !(n.isBoolean() && !n.booleanValue()) && !(n.isContainerNode() && n.isEmpty());
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n != null && n.isArray()) {
            n.forEach(e -> {
                if (!out.contains(e.asText())) {
                    out.add(e.asText());
                }
            });
        } else if (n != null && n.isTextual()) {
            out.add(n.textValue());
        }
        return out;
    }

    private static List<Integer> ints(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        List<Integer> out = new ArrayList<>();
        if (n.isIntegralNumber()) {
            out.add(n.intValue());
        } else {
            n.forEach(e -> out.add(e.asInt()));
        }
        return out;
    }
}
