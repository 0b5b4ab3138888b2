package org.finetune4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** An instruction put before a classification text. */
class TextTemplateTest {

    @Test
    void placesTheTextAndKeepsEscapedBraces() {
        assertThat(new TextTemplate("Classify the sentiment: {text}").apply("a fine film")).isEqualTo("Classify the sentiment: a fine film");
        assertThat(new TextTemplate("{{label}} of {text}? {text}").apply("x")).isEqualTo("{label} of x? x");
    }

    @Test
    void refusesTemplatesThatWouldDropTheText() {
        assertThatThrownBy(() -> new TextTemplate("Classify the sentiment")).hasMessage("has no {text} placeholder");
        assertThatThrownBy(() -> new TextTemplate("Classify: {sentence}")).hasMessageContaining("unknown placeholder {sentence}");
        assertThatThrownBy(() -> new TextTemplate("Classify: {text")).hasMessageContaining("not closed");
        assertThatThrownBy(() -> new TextTemplate("a } {text}")).hasMessageContaining("lone '}'");
    }
}
