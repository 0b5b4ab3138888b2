package org.finetune4j.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.finetune4j.Fixtures;
import org.finetune4j.tokenize.Tokenizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What generate --template gives a model is what training with that data.template put before the response. */
class TemplatePromptTest {

    @ParameterizedTest
    @ValueSource(strings = {"alpaca", "raw", "chatml", "llama-2", "zephyr"})
    void thePromptIsTheTrainingTextBeforeTheResponse(String name) {
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("gpt2-lm"))) {
            InstructionTemplate t = InstructionTemplate.named(name, tok, "unused");
            InstructionRecord r = name.equals("raw") ? new InstructionRecord.PromptCompletion(1, 1, "Say hi", "hi")
                    : new InstructionRecord.Alpaca(1, 1, "Say hi", "", "hi");
            InstructionTemplate.Rendered rendered = t.render(r);
            String prompt = t.prompt("Say hi");
            assertThat(rendered.text()).startsWith(prompt);
            assertThat(rendered.text().substring(prompt.length(), rendered.spans().get(0)[0])).isBlank(); // then the response
            assertThat(t.specials()).isEqualTo(rendered.specials());
        }
    }
}
