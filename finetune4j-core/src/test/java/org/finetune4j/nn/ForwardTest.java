package org.finetune4j.nn;

import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/** What a pass says: its mode, the thread's current pass, and what its caller reads. */
class ForwardTest {

    @Test
    void currentTrainsIsTheModeOfTheEnteredPass() {
        assertThat(Forward.currentTrains()).as("outside a pass").isFalse();
        try (Forward.Scope train = Forward.train().enter()) {
            assertThat(Forward.currentTrains()).isTrue();
            try (Forward.Scope eval = Forward.eval().enter()) {
                assertThat(Forward.currentTrains()).isFalse();
            }
            assertThat(Forward.currentTrains()).as("restored").isTrue();
        }
        assertThat(Forward.currentTrains()).isFalse();
    }

    @Test
    void lossOnlyImpliesLabelledOnlyAndCheckpointingKeepsBoth() {
        assertThat(Forward.train().labelledOnly).isFalse();
        Forward labelled = Forward.eval().labelledOnly();
        assertThat(labelled.labelledOnly).isTrue();
        assertThat(labelled.lossOnly).isFalse();
        assertThat(labelled.training).isFalse();
        Forward step = Forward.train().lossOnly().checkpointed();
        assertThat(step.lossOnly).isTrue();
        assertThat(step.labelledOnly).isTrue();
        assertThat(step.checkpointing).isTrue();
        assertThat(step.training).isTrue();
    }
}
