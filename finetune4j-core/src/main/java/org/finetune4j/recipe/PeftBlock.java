package org.finetune4j.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.Keys;
import org.finetune4j.peft.LoraConfig;
import org.finetune4j.peft.LoraOptions;

/**
 * A recipe's {@code peft:} block, with PEFT's LoraConfig names and defaults:
 * {@code method: lora}, r (8), lora_alpha (8), lora_dropout (0), target_modules (a list of names, a
 * regex, or all-linear; default PEFT's targets for the model type), bias (none), modules_to_save,
 * use_rslora, fan_in_fan_out, init_lora_weights (true, gaussian, false), layers_to_transform (an
 * index or a list), task_type (default: the task's). Options PEFT has and Finetune4j does not are
 * refused by name. The options are declared once, in {@link LoraOptions}, and read by {@link LoraConfig#read}, as an
 * adapter_config.json is.
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
        List<String> ignored = LoraOptions.keys(LoraOptions.Support.IGNORED);
        LoraConfig c = LoraConfig.read(new Keys() {
            @Override
            public JsonNode raw(String key) {
                return ignored.contains(key) ? null : p.raw(key); // keys without a meaning in a recipe stay unknown there
            }

            @Override
            public Finetune4jException error(String key, String message) {
                return p.error(key, message);
            }
        });
        p.finish();
        return c;
    }
}
