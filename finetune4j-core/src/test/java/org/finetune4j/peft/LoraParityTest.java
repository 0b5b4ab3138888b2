package org.finetune4j.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;
import org.finetune4j.Fixtures;
import org.finetune4j.eval.ForwardProbe;
import org.finetune4j.io.SafeTensors;
import org.finetune4j.io.TensorInfo;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The PEFT LoRA fixtures, replayed from their adapter_init: logits, gradients, five AdamW steps, the trained adapter. */
public class LoraParityTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"llama-lm", "bert-seqcls"})
    void matchesPeft(String fixture) throws Exception {
        Path base = Fixtures.dir(fixture);
        JsonNode golden = Fixtures.json(base.resolve("lora/golden.json"));
        JsonNode inputs = Fixtures.golden(fixture);
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(base, null, 0).model();
            LoraConfig c = Adapters.load(model, base.resolve("lora/adapter_init"), true);
            assertThat(c.scaling()).isEqualTo(2.0);
            ObjectNode got = ForwardProbe.run(model, inputs, new ForwardProbe.TrainSettings(5, 1e-3, 0.01, false));
            assertThat(got.get("num_trainable_parameters").asLong()).isEqualTo(golden.get("num_trainable_parameters").asLong());
            JsonNode exp = golden.get("expected");
            assertClose("logits", got.get("logits"), exp.get("logits"), Fixtures.LOGITS);
            assertThat(got.get("loss").doubleValue()).isCloseTo(exp.get("loss").doubleValue(), within(Fixtures.LOGITS));
            JsonNode norms = golden.get("grad_norms");
            assertThat(got.get("grad_norms").size()).isEqualTo(norms.size());
            norms.fields().forEachRemaining(e -> {
                double want = e.getValue().doubleValue();
                assertThat(got.get("grad_norms").get(memoryName(e.getKey())).doubleValue()).as(e.getKey())
                        .isCloseTo(want, within(1e-7 + 1e-4 * want));
            });
            JsonNode train = golden.get("train");
            assertClose("loss_before_step", got.at("/train/loss_before_step"), train.get("loss_before_step"), 1e-4);
            assertClose("loss_after_step", got.at("/train/loss_after_step"), train.get("loss_after_step"), 1e-4);
            train.get("param_norms_after").fields().forEachRemaining(e -> {
                double want = e.getValue().doubleValue();
                assertThat(got.at("/train/param_norms_after").get(memoryName(e.getKey())).doubleValue()).as(e.getKey())
                        .isCloseTo(want, within(1e-4 * want + 1e-6));
            });
            Path saved = tmp.resolve("adapter");
            Adapters.save(model, c, saved);
            assertSameTensors(saved.resolve(Adapters.WEIGHTS), base.resolve("lora/adapter_trained").resolve(Adapters.WEIGHTS), 1e-4);
        }
    }

    /** PEFT's in-memory name -> Finetune4j's: no base_model.model. prefix, no adapter name, no modules_to_save copy. */
    static String memoryName(String peft) {
        return peft.substring(Adapters.PREFIX.length()).replace(".modules_to_save.default.", ".").replace(".default.", ".");
    }

    /** Same tensor names, shapes and values within {@code tol}. */
    public static void assertSameTensors(Path got, Path exp, double tol) {
        try (SafeTensors g = SafeTensors.open(got); SafeTensors e = SafeTensors.open(exp); Scope scope = Scope.open()) {
            assertThat(g.tensors().stream().map(TensorInfo::name).sorted().toList())
                    .isEqualTo(e.tensors().stream().map(TensorInfo::name).sorted().toList());
            for (TensorInfo t : e.tensors()) {
                var a = Tensors.toTensor(g.info(t.name()), g.data(t.name()));
                var b = Tensors.toTensor(t, e.data(t.name()));
                assertThat(a.shape()).as(t.name()).isEqualTo(b.shape());
                float diff = (float) a.sub(b).abs().max().item();
                assertThat((double) diff).as(t.name() + " max |diff|").isLessThan(tol);
            }
        }
    }

    private static void assertClose(String path, JsonNode got, JsonNode exp, double abs) {
        if (exp.isNumber()) {
            assertThat(got.doubleValue()).as(path).isCloseTo(exp.doubleValue(), within(abs));
        } else {
            assertThat(got.size()).as(path + " size").isEqualTo(exp.size());
            for (int i = 0; i < exp.size(); i++) {
                assertClose(path + "[" + i + "]", got.get(i), exp.get(i), abs);
            }
        }
    }

}
