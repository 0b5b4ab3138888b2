package org.finetune4j.eval;

import java.util.List;
import java.util.Map;
import org.finetune4j.Fixtures;
import org.finetune4j.data.Batch;
import org.finetune4j.data.InstructionData;
import org.finetune4j.data.InstructionRecord;
import org.finetune4j.data.InstructionRecords;
import org.finetune4j.data.InstructionTemplate;
import org.finetune4j.model.Head;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Scope;
import org.finetune4j.train.Batches;
import org.finetune4j.tokenize.Tokenizer;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The held-out loss is the mean over response tokens, whatever the batching. */
class TokenLossTest {

    @Test
    void meanOverResponseTokensDoesNotDependOnBatching() {
        try (Scope scope = Scope.open(); Tokenizer tok = Tokenizer.load(Fixtures.dir("gpt2-lm"))) {
            TransformerModel model = Pretrained.load(Fixtures.dir("gpt2-lm"), Head.CAUSAL_LM, 1).model();
            InstructionData d = InstructionData.build(new InstructionRecords.Read(Fixtures.dir("gpt2-lm"), List.of(
                    new InstructionRecord.PromptCompletion(1, 1, "Q: a?\nA:", " yes"),
                    new InstructionRecord.PromptCompletion(2, 2, "Q: a much longer question here?\nA:", " no, it is not like that at all"),
                    new InstructionRecord.PromptCompletion(3, 3, "Q: b?\nA:", " maybe so")), 0, null),
                    new InstructionTemplate.Raw(), tok, 64, false);
            long eos = tok.special().eos();
            double sum = 0;
            long items = 0;
            for (int i = 0; i < d.size(); i++) { // one example at a time: its mean loss times its response tokens
                Batch b = d.batch(new int[] {i}, eos, 0);
                try (Scope step = Scope.open()) {
                    sum += model.forward(Batches.inputs(b, false), Forward.eval()).loss().item() * b.lossItems();
                    items += b.lossItems();
                }
            }
            Map<String, Double> one = TokenLoss.evaluate(model, d, 1, eos, org.finetune4j.distributed.World.SINGLE);
            Map<String, Double> all = TokenLoss.evaluate(model, d, 3, eos, org.finetune4j.distributed.World.SINGLE);
            assertThat(one.get("eval_loss")).isCloseTo(sum / items, within(1e-5));
            assertThat(all.get("eval_loss")).isCloseTo(sum / items, within(1e-5));
            Map<String, Double> packed = TokenLoss.evaluate(model, new org.finetune4j.data.PackedRows(d, 64, true), 3, eos,
                    org.finetune4j.distributed.World.SINGLE); // three examples in one row
            assertThat(packed.get("eval_loss")).isCloseTo(sum / items, within(1e-5));
            assertThat(packed.get("eval_tokens")).isEqualTo((double) items);
            assertThat(all.get("eval_tokens")).isEqualTo((double) items);
            assertThat(all.get("eval_perplexity")).isCloseTo(Math.exp(sum / items), org.assertj.core.api.Assertions.withinPercentage(1e-3));
        }
    }
}
