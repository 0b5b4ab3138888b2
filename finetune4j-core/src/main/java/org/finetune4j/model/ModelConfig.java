package org.finetune4j.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.finetune4j.Finetune4jException;

/** A parsed config.json: one record per architecture family, missing keys at Transformers' defaults. */
public sealed interface ModelConfig permits BertConfig, DistilBertConfig, Gpt2Config, OptConfig, LlamaConfig {

    String SUPPORTED = "bert, distilbert, roberta, gpt2, opt, llama, mistral, qwen2";

    CommonConfig common();

    int vocabSize();

    int hiddenSize();

    int numLayers();

    int numHeads();

    /** The longest sequence the model's learned positions cover (no limit for rotary positions). */
    int maxPositions();

    /** Whether the backbone is a decoder (causal attention). */
    default boolean causal() {
        return this instanceof Gpt2Config || this instanceof OptConfig || this instanceof LlamaConfig;
    }

    /** Whether the model takes token type ids (BERT, RoBERTa); tokenizers' type ids are dropped otherwise. */
    default boolean tokenTypes() {
        return this instanceof BertConfig;
    }

    /** Reads a model folder's config.json (or a config file given directly). */
    static ModelConfig read(Path path) {
        if (!Files.exists(path)) {
            throw new Finetune4jException(path + ": no such folder or file");
        }
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new Finetune4jException(name + ": is a folder, not a file");
        }
        JsonNode json;
        try {
            ObjectMapper mapper = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
            json = mapper.readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new Finetune4jException(name + ": not found");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Finetune4jException(org.finetune4j.io.Json.where(name, e) + ": not valid JSON ("
                    + org.finetune4j.io.Json.problem(e) + ")");
        } catch (IOException e) {
            throw new Finetune4jException(name + ": cannot read (" + e.getMessage() + ")");
        }
        if (json == null || !json.isObject()) {
            throw new Finetune4jException(name + ": must hold a JSON object");
        }
        return parse((ObjectNode) json, name);
    }

    /** Parses a config object; {@code file} names it in errors. */
    static ModelConfig parse(ObjectNode json, String file) {
        ConfigReader r = new ConfigReader(json, file);
        String type = r.string("model_type", null);
        if (type == null) {
            throw r.error("missing 'model_type' (supported: " + SUPPORTED + ")");
        }
        return switch (type) {
            case "bert", "roberta" -> BertConfig.read(r, type);
            case "distilbert" -> DistilBertConfig.read(r);
            case "gpt2" -> Gpt2Config.read(r);
            case "opt" -> OptConfig.read(r);
            case "llama", "mistral", "qwen2" -> LlamaConfig.read(r, type);
            default -> throw r.error("unsupported model_type '" + type + "' (supported: " + SUPPORTED + ")");
        };
    }
}
