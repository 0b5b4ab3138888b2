package org.finetune4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.finetune4j.data.QaExamples;
import org.junit.jupiter.api.Test;

/** The official SQuAD v1.1 evaluate script's behaviour (values from its functions run on these strings). */
class SquadMetricTest {

    @Test
    void normalisationAsTheOfficialScript() {
        assertThat(SquadMetric.normalize("The Denver Broncos!")).isEqualTo("denver broncos");
        assertThat(SquadMetric.normalize("an apple a day")).isEqualTo("apple day");
        assertThat(SquadMetric.normalize("Theory of the U.S.")).isEqualTo("theory of us"); // "the" inside a word stays
        assertThat(SquadMetric.normalize("  A  tale\tof  two\ncities ")).isEqualTo("tale of two cities");
        assertThat(SquadMetric.normalize("Ünïcode THE Café")).isEqualTo("ünïcode café");
        assertThat(SquadMetric.normalize("l'an 2000 — «the» end")).isEqualTo("lan 2000 — « » end"); // only ASCII punctuation goes
        assertThat(SquadMetric.normalize("the-end")).isEqualTo("theend");
    }

    @Test
    void exactMatchAndTokenF1() {
        assertThat(SquadMetric.f1("Denver Broncos team", "the Denver Broncos")).isCloseTo(0.8, within(1e-12));
        assertThat(SquadMetric.f1("the the cat", "cat cat the")).isCloseTo(2.0 / 3, within(1e-12)); // bags, not sets
        assertThat(SquadMetric.f1("", "cat")).isZero();
        assertThat(SquadMetric.f1("a b c d", "c d e")).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(SquadMetric.exactMatch("Broncos.", "the Broncos")).isEqualTo(1);
        assertThat(SquadMetric.exactMatch("Denver Broncos team", "the Denver Broncos")).isZero();
    }

    @Test
    void bestOverGoldAnswersAveragedOverAllQuestionsInPercent() {
        QaExamples data = new QaExamples(Path.of("d.json"), List.of(
                ex("q1", List.of("Denver Broncos", "the Broncos", "Broncos team")),
                ex("q2", List.of("Santa Clara, California", "Levi's Stadium")),
                ex("q3", List.of("gold"))));
        Map<String, Double> m = SquadMetric.score(data, Map.of("q1", "Broncos", "q2", "Levi's Stadium in Santa Clara"));
        // q1: EM 1 ("the Broncos"), F1 1; q2: EM 0, F1 max(2*(2/5)(2/3)/(16/15)=0.5, 2*(2/5)(1)/(7/5)=4/7); q3 unanswered: 0
        assertThat(m.get("exact_match")).isCloseTo(100.0 / 3, within(1e-9));
        assertThat(m.get("f1")).isCloseTo(100.0 * (1 + 4.0 / 7) / 3, within(1e-9));
    }

    private static QaExamples.Example ex(String id, List<String> answers) {
        return new QaExamples.Example(id, "q?", "context", answers, new int[answers.size()], id);
    }
}
