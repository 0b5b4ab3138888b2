package org.finetune4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.finetune4j.Fixtures;
import org.finetune4j.eval.InputsJson;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Parameter;
import org.finetune4j.peft.LoraConfig;
import org.finetune4j.peft.LoraModel;
import org.finetune4j.tensor.Autocast;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.train.AdamW;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** bfloat16: autocast against Transformers' goldens, and bfloat16 weights loaded, held and written as they are. */
class Bf16Test {

    @TempDir
    Path tmp;

    static Path resource(String name) {
        try {
            return Paths.get(Bf16Test.class.getResource("/bf16/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Logits and loss under autocast within 2e-2 (relative, logits by their norm) of Transformers' under torch.autocast. */
    @ParameterizedTest
    @ValueSource(strings = {"bert-seqcls", "llama-lm"})
    void autocastMatchesTransformers(String fixture) {
        JsonNode golden = Fixtures.json(resource(fixture + ".json"));
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir(fixture), null, 0).model();
            float[] plain;
            float[] mixed;
            double loss;
            try (Autograd.Guard off = Autograd.noGrad()) {
                plain = model.forward(InputsJson.read(golden), Forward.train()).logits().toFloatArray();
                try (Autograd.Guard cast = Autocast.cpu(DType.BF16)) {
                    Output out = model.forward(InputsJson.read(golden), Forward.train());
                    mixed = out.logits().toFloatArray();
                    loss = out.loss().item();
                }
            }
            double expectedLoss = golden.at("/bf16/loss").doubleValue();
            assertThat(Math.abs(loss - expectedLoss) / expectedLoss).as("loss").isLessThan(2e-2);
            float[] expected = floats(golden.at("/bf16/logits"));
            assertThat(relative(mixed, expected)).as("logits").isLessThan(2e-2);
            assertThat(relative(plain, floats(golden.at("/float32/logits")))).as("float32 logits").isLessThan(1e-5);
            assertThat(relative(mixed, plain)).as("autocast changed the numbers").isGreaterThan(1e-4);
        }
    }

    /** A checkpoint Transformers wrote in bfloat16 is held in bfloat16 and written back byte for byte. */
    @Test
    void bf16CheckpointLoadsAsItIsAndWritesBackTheSameFile() throws IOException {
        Path dir = resource("bert-seqcls-bf16");
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(dir, null, 0).model();
            assertThat(model.config.common().dtype()).isEqualTo(DType.BF16);
            assertThat(model.namedParameters().values()).allMatch(p -> p.dtype() == DType.BF16);
            Path out = tmp.resolve("out");
            Pretrained.save(model, out);
            assertThat(Files.readAllBytes(out.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(dir.resolve("model.safetensors")));
            assertThat(Fixtures.json(out.resolve("config.json")).get("dtype").asText()).isEqualTo("bfloat16");
        }
    }

    /** Frozen bfloat16 weights compute as their exact float32 widening: the same logits as the widened model. */
    @Test
    void narrowWeightsComputeAsTheirWidening() throws IOException {
        Path dir = resource("bert-seqcls-bf16");
        JsonNode golden = Fixtures.golden("bert-seqcls");
        Path widened = tmp.resolve("f32");
        try (Scope scope = Scope.open(); Autograd.Guard off = Autograd.noGrad()) {
            TransformerModel bf16 = Pretrained.load(dir, null, 0).model();
            Pretrained.save(bf16, widened, DType.F32);
            TransformerModel f32 = Pretrained.load(widened, null, 0).model();
            assertThat(f32.namedParameters().values()).allMatch(p -> p.dtype() == DType.F32);
            float[] a = bf16.forward(InputsJson.read(golden), Forward.eval()).logits().toFloatArray();
            float[] b = f32.forward(InputsJson.read(golden), Forward.eval()).logits().toFloatArray();
            assertThat(a).containsExactly(b);
        }
    }

    /** config.json's dtype decides what the weights are held in, whatever the file stores. */
    @Test
    void configDtypeIsHonoured() throws IOException {
        Path dir = tmp.resolve("bf16-config");
        Files.createDirectories(dir);
        Path f32 = Fixtures.dir("bert-seqcls");
        for (String f : List.of("model.safetensors", "vocab.txt")) {
            Files.copy(f32.resolve(f), dir.resolve(f));
        }
        ObjectNode config = (ObjectNode) Fixtures.json(f32.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), config.put("dtype", "bfloat16").toString());
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(dir, null, 0).model();
            assertThat(model.namedParameters().values()).allMatch(p -> p.dtype() == DType.BF16);
        }
        Files.writeString(dir.resolve("config.json"), config.remove("dtype") == null ? "" : config.put("torch_dtype", "float32").toString());
        Files.copy(resource("bert-seqcls-bf16/model.safetensors"), dir.resolve("model.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(dir, null, 0).model();
            assertThat(model.namedParameters().values()).allMatch(p -> p.dtype() == DType.F32);
        }
    }

    /** The optimizer trains float32 master weights; a LoRA run leaves its frozen bfloat16 base as it is. */
    @Test
    void trainableWeightsBecomeFloat32AndFrozenOnesStay() {
        try (Scope scope = Scope.open()) {
            TransformerModel full = Pretrained.load(resource("bert-seqcls-bf16"), null, 0).model();
            new AdamW(AdamW.groups(full.namedParameters(), 0.01, true), 0.9, 0.999, 1e-8).close();
            assertThat(full.namedParameters().values()).allMatch(p -> p.dtype() == DType.F32);

            TransformerModel lora = Pretrained.load(resource("bert-seqcls-bf16"), null, 0).model();
            LoraModel.apply(lora, new LoraConfig(4, 8, 0, List.of("query", "value"), null, false, "none", List.of(), false, false,
                    "true", null, "SEQ_CLS", null), 0, "test");
            new AdamW(AdamW.groups(lora.namedParameters(), 0.01, true), 0.9, 0.999, 1e-8).close();
            for (var e : lora.namedParameters().entrySet()) {
                Parameter p = e.getValue();
                assertThat(p.dtype()).as(e.getKey()).isEqualTo(p.trainable() ? DType.F32 : DType.BF16);
            }
        }
    }

    private static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).floatValue();
        }
        return out;
    }

    /** ||a - b|| / ||b||. */
    private static double relative(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (double) (a[i] - b[i]);
            den += b[i] * (double) b[i];
        }
        return Math.sqrt(num / den);
    }
}
