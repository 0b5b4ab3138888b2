package org.finetune4j.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import org.finetune4j.io.Keys;

/**
 * The options of PEFT's {@code LoraConfig}, each declared once: its name, whether Finetune4j implements it
 * ({@link Support#SUPPORTED}), refuses it by name when it is set ({@link Support#REFUSED}: it changes what an adapter
 * computes and is not implemented) or passes over it ({@link Support#IGNORED}: it does not change the computation,
 * or is read elsewhere); the value adapter_config.json holds when the option is at its default; and a line of help.
 * A recipe's {@code peft:} block and an adapter_config.json are both read through {@link LoraConfig#read} (a {@link Keys} each), and
 * {@link LoraConfig#toJson} writes every option declared here.
 */
public final class LoraOptions {

    private LoraOptions() {}

    public enum Support { SUPPORTED, REFUSED, IGNORED }

    /** One option: {@code unset} is what adapter_config.json holds when it is off or at its default. */
    public record Option(String key, Support support, JsonNode unset, String help) {}

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    public static final List<Option> ALL = List.of(
            on("r", F.numberNode(8), "rank of the update B A"),
            on("lora_alpha", F.numberNode(8), "scaling numerator: the update is scaled by lora_alpha / r"),
            on("lora_dropout", F.numberNode(0.0), "dropout on the adapter's input"),
            on("target_modules", F.nullNode(), "the layers adapted: a list of module-name suffixes, a regex or all-linear"),
            on("bias", F.textNode("none"), "which biases train: none, all or lora_only"),
            on("modules_to_save", F.nullNode(), "modules trained in full and saved with the adapter (a new head, say)"),
            on("use_rslora", F.booleanNode(false), "rank-stabilised scaling lora_alpha / sqrt(r)"),
            on("fan_in_fan_out", F.booleanNode(false), "the adapted layer stores its weight as [in, out] (GPT-2's Conv1D)"),
            on("init_lora_weights", F.booleanNode(true), "true (kaiming-uniform A, zero B), gaussian, or false (B random too)"),
            on("layers_to_transform", F.nullNode(), "only these layer indices are adapted"),
            on("task_type", F.nullNode(), "SEQ_CLS, TOKEN_CLS, QUESTION_ANS, CAUSAL_LM or FEATURE_EXTRACTION"),
            refused("use_dora", F.booleanNode(false), "weight-decomposed LoRA (DoRA)"),
            refused("lora_bias", F.booleanNode(false), "a bias on the B matrix"),
            refused("layer_replication", F.nullNode(), "layers stacked from copies of others"),
            refused("rank_pattern", F.objectNode(), "a rank per layer"),
            refused("alpha_pattern", F.objectNode(), "an alpha per layer"),
            refused("megatron_config", F.nullNode(), "Megatron-parallel layers"),
            refused("target_parameters", F.nullNode(), "parameters adapted directly (mixture-of-experts weights)"),
            refused("trainable_token_indices", F.nullNode(), "embedding rows trained in full"),
            refused("use_qalora", F.booleanNode(false), "quantization-aware LoRA"),
            refused("use_bdlora", F.nullNode(), "block-diagonal LoRA"),
            refused("alora_invocation_tokens", F.nullNode(), "activated LoRA"),
            refused("exclude_modules", F.nullNode(), "modules left out of target_modules"),
            refused("layers_pattern", F.nullNode(), "the layer list layers_to_transform indexes"),
            refused("loftq_config", F.objectNode(), "LoftQ initialisation"),
            refused("eva_config", F.nullNode(), "EVA initialisation"),
            refused("corda_config", F.nullNode(), "CorDA initialisation"),
            refused("lora_ga_config", F.nullNode(), "LoRA-GA initialisation"),
            refused("kasa_config", F.nullNode(), "KaSA"),
            refused("arrow_config", F.nullNode(), "Arrow routing"),
            refused("velora_config", F.nullNode(), "VeLoRA"),
            refused("monteclora_config", F.nullNode(), "MonteCLoRA"),
            ignored("base_model_name_or_path", F.nullNode(), "the base model the adapter was trained on"),
            ignored("revision", F.nullNode(), "the base model's revision"),
            ignored("inference_mode", F.booleanNode(true), "whether the adapter was saved for inference"),
            ignored("peft_version", null, "the PEFT version that wrote the file"),
            ignored("auto_mapping", F.nullNode(), "the class PEFT maps the base to"),
            ignored("megatron_core", F.textNode("megatron.core"), "the Megatron module name"),
            ignored("qalora_group_size", F.numberNode(16), "QA-LoRA's group size"),
            ignored("ensure_weight_tying", F.booleanNode(false), "tied embeddings kept tied"),
            ignored("peft_type", F.textNode("LORA"), "the adapter method (LORA)"));

    /** The keys of the options with {@code support}. */
    public static List<String> keys(Support support) {
        return ALL.stream().filter(o -> o.support() == support).map(Option::key).toList();
    }

    /** Refuses the first refused option {@code source} sets (to a value other than off: null, false, empty). */
    static void refuseUnsupported(Keys source) {
        for (String key : keys(Support.REFUSED)) {
            if (isSet(source.raw(key))) {
                throw source.error(key, "is not supported (Finetune4j implements plain LoRA)");
            }
        }
    }

    /** Whether an option holds a value other than its "off" default (null, false, empty). */
    static boolean isSet(JsonNode n) {
        return n != null && !n.isNull() && !(n.isBoolean() && !n.booleanValue()) && !(n.isContainerNode() && n.isEmpty());
    }

    private static Option on(String key, JsonNode unset, String help) {
        return new Option(key, Support.SUPPORTED, unset, help);
    }

    private static Option refused(String key, JsonNode unset, String help) {
        return new Option(key, Support.REFUSED, unset, help);
    }

    private static Option ignored(String key, JsonNode unset, String help) {
        return new Option(key, Support.IGNORED, unset, help);
    }
}
