package org.finetune4j.peft;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.finetune4j.Finetune4jException;
import org.finetune4j.Fixtures;
import org.finetune4j.io.SafeTensorsWriter;
import org.finetune4j.io.TensorData;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Adapters that do not fit the model, or use options Finetune4j lacks, are refused before anything changes. */
class AdapterBadInputTest {

    @TempDir
    Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A copy of a fixture's adapter_init with its config edited. */
    private Path adapter(String fixture, Consumer<ObjectNode> edit) throws IOException {
        Path src = Fixtures.dir(fixture).resolve("lora/adapter_init");
        Path dir = Files.createTempDirectory(tmp, "adapter");
        Files.copy(src.resolve(Adapters.WEIGHTS), dir.resolve(Adapters.WEIGHTS));
        ObjectNode c = (ObjectNode) JSON.readTree(src.resolve(Adapters.CONFIG).toFile());
        c.remove("base_model_name_or_path"); // the copy is not under its base any more
        edit.accept(c);
        JSON.writeValue(dir.resolve(Adapters.CONFIG).toFile(), c);
        return dir;
    }

    /** Loads {@code adapter} onto a fresh {@code fixture} model, expecting a refusal that leaves the model untouched. */
    private void refused(String fixture, Path adapter, String... message) {
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir(fixture), null, 0).model();
            Map<String, Parameter> before = model.namedParameters();
            assertThatThrownBy(() -> Adapters.load(model, adapter, true))
                    .isInstanceOf(Finetune4jException.class)
                    .hasMessageContainingAll(message)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
            assertThat(LoraModel.adapted(model)).as("no branch attached").isEmpty();
            assertThat(model.namedParameters()).isEqualTo(before);
            assertThat(before.values()).allMatch(Parameter::trainable);
        }
    }

    @Test
    void anAdapterForAnotherArchitecture() throws IOException {
        // the BERT adapter names its base (../..): a bert model, not llama
        refused("llama-lm", Fixtures.dir("bert-seqcls").resolve("lora/adapter_init"), "adapter_config.json", "bert", "llama");
        // without a base to check, its tensors have no place in Llama
        refused("llama-lm", adapter("bert-seqcls", c -> c.put("task_type", "CAUSAL_LM").putArray("target_modules").add("q_proj")),
                "bert.encoder.layer.0.attention.self", "another architecture");
    }

    @Test
    void targetModulesMissingFromTheModel() throws IOException {
        refused("llama-lm", adapter("llama-lm", c -> c.putArray("target_modules").add("query_key_value")),
                "target_modules [query_key_value]", "match no module of LlamaForCausalLM");
        refused("llama-lm", adapter("llama-lm", c -> c.putArray("target_modules").add("q_proj")),
                "v_proj", "do not name it");
    }

    @Test
    void aRankMismatch() throws IOException {
        refused("llama-lm", adapter("llama-lm", c -> c.put("r", 8)), "lora_A.weight", "[4, 64]", "r = 8", "rank mismatch");
    }

    @Test
    void unsupportedOptionsAreRefusedByName() throws IOException {
        refused("llama-lm", adapter("llama-lm", c -> c.put("use_dora", true)), "use_dora", "not supported");
        refused("llama-lm", adapter("llama-lm", c -> c.put("lora_bias", true)), "lora_bias", "not supported");
        refused("llama-lm", adapter("llama-lm", c -> c.putObject("rank_pattern").put("q_proj", 8)), "rank_pattern");
    }

    @Test
    void moreUnsupportedOptions() throws IOException {
        refused("llama-lm", adapter("llama-lm", c -> c.putArray("layer_replication").addArray().add(0).add(2)), "layer_replication");
        refused("llama-lm", adapter("llama-lm", c -> c.put("init_lora_weights", "pissa")), "init_lora_weights", "pissa");
        refused("llama-lm", adapter("llama-lm", c -> c.put("peft_type", "IA3")), "peft_type", "IA3");
        refused("llama-lm", adapter("llama-lm", c -> c.put("some_future_option", 3)), "some_future_option");
    }

    @Test
    void aTaskTypeOfAnotherHead() throws IOException {
        refused("llama-lm", adapter("llama-lm", c -> c.put("task_type", "SEQ_CLS")), "task_type SEQ_CLS", "LlamaForCausalLM");
    }

    @Test
    void aVocabularySizeMismatchOfASavedEmbedding() throws IOException {
        Path dir = adapter("llama-lm", c -> c.putArray("modules_to_save").add("embed_tokens"));
        List<TensorData> tensors = new java.util.ArrayList<>();
        try (var st = org.finetune4j.io.SafeTensors.open(dir.resolve(Adapters.WEIGHTS))) {
            for (var t : st.tensors()) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) t.byteCount()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                b.put(st.data(t.name())).flip();
                tensors.add(new TensorData(t.name(), t.dtype(), t.shape(), b));
            }
        }
        java.nio.ByteBuffer emb = java.nio.ByteBuffer.allocate(300 * 64 * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        tensors.add(new TensorData("base_model.model.model.embed_tokens.weight", org.finetune4j.tensor.DType.F32, new long[] {300, 64}, emb));
        SafeTensorsWriter.write(dir.resolve(Adapters.WEIGHTS), tensors, Map.of("format", "pt"));
        refused("llama-lm", dir, "embed_tokens.weight", "[300, 64]", "vocabulary size differs", "320");
    }

    @Test
    void aMissingWeightsFileOrTensor() throws IOException {
        Path dir = adapter("llama-lm", c -> {});
        Files.delete(dir.resolve(Adapters.WEIGHTS));
        refused("llama-lm", dir, Adapters.WEIGHTS);
        refused("bert-seqcls", adapter("bert-seqcls", c -> c.put("bias", "all")), "missing tensor", "bias all");
        refused("llama-lm", tmp.resolve("nowhere"), "nowhere", "no such adapter folder");
    }
}
