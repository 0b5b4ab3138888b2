package org.finetune4j.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.peft.LoraConfig;

/**
 * A recipe's {@code peft:} block, with PEFT's LoraConfig names and defaults:
 * {@code method: lora}, r (8), lora_alpha (8), lora_dropout (0), target_modules (a list of names, a
 * regex, or all-linear; default PEFT's targets for the model type), bias (none), modules_to_save,
 * use_rslora, fan_in_fan_out, init_lora_weights (true, gaussian, false), layers_to_transform (an
 * index or a list), task_type (default: the task's). Options PEFT has and Finetune4j does not are
 * refused by name.
 */
final class PeftBlock {

    private PeftBlock() {}

    /** The LoRA config of the recipe's peft block, or null when it has none. */
    static LoraConfig read(Node root) {
        if (!root.has("peft")) {
            return null;
        }
        Node p = root.child("peft");
        p.choice("method", null, List.of("lora"));
        if (!p.has("method")) {
            throw p.error("method", "is required (method: lora)");
        }
        for (String key : List.of("use_dora", "lora_bias", "layer_replication", "rank_pattern", "alpha_pattern",
                "megatron_config", "loftq_config", "exclude_modules", "layers_pattern", "target_parameters",
                "trainable_token_indices")) {
            JsonNode v = p.raw(key);
            if (v != null && !(v.isBoolean() && !v.booleanValue()) && !(v.isContainerNode() && v.isEmpty())) {
                throw p.error(key, "is not supported (Finetune4j trains plain LoRA)");
            }
        }
        JsonNode tm = p.raw("target_modules");
        List<String> list = null;
        String regex = null;
        boolean allLinear = false;
        if (tm != null && tm.isTextual()) {
            allLinear = tm.textValue().equals(LoraConfig.ALL_LINEAR);
            regex = allLinear ? null : tm.textValue();
        } else if (tm != null) {
            list = p.strings("target_modules");
        }
        JsonNode init = p.raw("init_lora_weights");
        String initText = init == null ? "true" : init.asText();
        JsonNode layers = p.raw("layers_to_transform");
        List<Integer> layerList = null;
        if (layers != null) {
            layerList = new ArrayList<>();
            if (layers.isIntegralNumber()) {
                layerList.add(layers.intValue());
            } else if (layers.isArray()) {
                for (JsonNode e : layers) {
                    if (!e.isIntegralNumber()) {
                        throw p.error("layers_to_transform", "must be a layer index or a list of them, got " + layers);
                    }
                    layerList.add(e.intValue());
                }
            } else {
                throw p.error("layers_to_transform", "must be a layer index or a list of them, got " + layers);
            }
        }
        String task = p.string("task_type", null);
        LoraConfig c = new LoraConfig(p.integer("r", 8), p.number("lora_alpha", 8), p.number("lora_dropout", 0), list, regex,
                allLinear, p.string("bias", "none"), p.strings("modules_to_save"), p.bool("use_rslora", false),
                p.bool("fan_in_fan_out", false), initText, layerList, task == null ? null : task.toUpperCase(java.util.Locale.ROOT),
                null);
        c.check(p::error);
        p.finish();
        return c;
    }
}
