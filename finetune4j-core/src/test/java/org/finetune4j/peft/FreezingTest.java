package org.finetune4j.peft;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.finetune4j.Fixtures;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Scope;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

class FreezingTest {

    private static List<String> trainable(TransformerModel m) {
        return m.namedParameters().entrySet().stream().filter(e -> e.getValue().trainable()).map(Map.Entry::getKey)
                .collect(Collectors.toList());
    }

    @Test
    void globsCrossDotsAndMatchWholeNames() {
        assertThat(Freezing.glob("bert.encoder.layer.0.*").matcher("bert.encoder.layer.0.attention.self.query.weight").matches()).isTrue();
        assertThat(Freezing.glob("bert.encoder.layer.0.*").matcher("bert.encoder.layer.1.output.dense.bias").matches()).isFalse();
        assertThat(Freezing.glob("*.bias").matcher("classifier.bias").matches()).isTrue();
        assertThat(Freezing.glob("*.bias").matcher("classifier.weight").matches()).isFalse();
    }

    @Test
    void embeddingsAndFirstLayersOfBert() {
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(Fixtures.dir("bert-seqcls"), null, 0).model();
            new Freezing(List.of(), true, 1, false).apply(model);
            List<String> t = trainable(model);
            assertThat(t).noneMatch(n -> n.startsWith("bert.embeddings.") || n.startsWith("bert.encoder.layer.0."));
            assertThat(t).contains("bert.encoder.layer.1.attention.self.query.weight", "bert.pooler.dense.weight",
                    "classifier.weight", "classifier.bias");
            assertThat(model.namedParameters().get("bert.embeddings.word_embeddings.weight").data().grad()).isNull();
        }
    }

    @Test
    void allButTheHeadLeavesTheHeadOfEveryFamily() {
        Map<String, List<String>> heads = Map.of(
                "distilbert-seqcls", List.of("pre_classifier.weight", "pre_classifier.bias", "classifier.weight", "classifier.bias"),
                "roberta-seqcls", List.of("classifier.dense.weight", "classifier.dense.bias", "classifier.out_proj.weight",
                        "classifier.out_proj.bias"),
                "llama-lm", List.of("lm_head.weight"),
                "gpt2-lm", List.of()); // GPT-2's lm_head is wte itself, part of the frozen backbone
        heads.forEach((fixture, head) -> {
            try (Scope scope = Scope.open()) {
                TransformerModel model = Pretrained.load(Fixtures.dir(fixture), null, 0).model();
                new Freezing(List.of(), false, 0, true).apply(model);
                assertThat(trainable(model)).as(fixture).containsExactlyInAnyOrderElementsOf(head);
            }
        });
    }
}
