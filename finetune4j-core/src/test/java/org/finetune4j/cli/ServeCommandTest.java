package org.finetune4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.finetune4j.Fixtures;
import org.junit.jupiter.api.Test;

/** serve's refusals before it listens: one line, exit 1 for what cannot be served, 2 for bad usage. */
class ServeCommandTest {

    @Test
    void refusals() {
        CliRun mlm = CliRun.of("serve", "--model", Fixtures.dir("bert-mlm"), "--port", "0");
        assertThat(mlm.code()).isEqualTo(1);
        assertThat(mlm.errLines()).hasSize(1);
        assertThat(mlm.err()).contains("bert-mlm/config.json", "causal LM or a sequence classifier");
        CliRun rows = CliRun.of("serve", "--model", Fixtures.dir("gpt2-lm"), "--max-concurrent", "0");
        assertThat(rows.code()).isEqualTo(2);
        CliRun port = CliRun.of("serve", "--model", Fixtures.dir("gpt2-lm"), "--port", "70000");
        assertThat(port.code()).isEqualTo(2);
        CliRun template = CliRun.of("serve", "--model", Fixtures.dir("gpt2-lm"), "--port", "0", "--chat-template", "nope");
        assertThat(template.code()).isEqualTo(1);
        assertThat(template.err()).contains("unknown chat template 'nope'");
        CliRun adapter = CliRun.of("serve", "--model", Fixtures.dir("gpt2-lm"), "--port", "0", "--adapter", "x=" + Fixtures.dir("gpt2-lm"));
        assertThat(adapter.code()).isEqualTo(1);
        assertThat(adapter.err()).contains("adapter_config.json");
    }
}
