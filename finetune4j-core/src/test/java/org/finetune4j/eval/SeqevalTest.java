package org.finetune4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.finetune4j.data.TagScheme;
import org.junit.jupiter.api.Test;

/**
 * seqeval equivalence. {@code seqeval/cases.json} holds hand-written gold and predicted tag sequences
 * (broken IOB2 with I- and no B-, type changes inside an entity, IOB1, BIOES with and without E-,
 * types only predicted, all-O predictions, entities at sentence ends) and the scores seqeval's
 * algorithms (get_entities for the default mode, scheme.Tokens for strict mode) give them.
 */
class SeqevalTest {

    @Test
    void everyCaseScoresAsSeqeval() throws Exception {
        JsonNode cases;
        try (InputStream in = getClass().getResourceAsStream("/seqeval/cases.json")) {
            cases = new ObjectMapper().readTree(in);
        }
        assertThat(cases.size()).isGreaterThanOrEqualTo(18);
        for (JsonNode c : cases) {
            String name = c.get("name").asText();
            boolean strict = c.has("scheme");
            TagScheme scheme = strict ? TagScheme.parse(c.get("scheme").asText()) : null;
            Seqeval.Report r = Seqeval.evaluate(tags(c.get("true")), tags(c.get("pred")), strict, scheme);
            JsonNode e = c.get("expected");
            assertThat(r.accuracy()).as(name + " accuracy").isEqualTo(e.get("accuracy").asDouble());
            check(name + " overall", r.overall(), e.get("overall"));
            int types = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("overall") || f.getKey().equals("accuracy")) {
                    continue;
                }
                types++;
                assertThat(r.perType()).as(name).containsKey(f.getKey());
                check(name + " " + f.getKey(), r.perType().get(f.getKey()), f.getValue());
            }
            assertThat(r.perType()).as(name + " types").hasSize(types);
        }
    }

    @Test
    void brokenIob2CountsInDefaultModeOnly() {
        List<List<String>> gold = List.of(List.of("B-PER", "I-PER", "O", "B-LOC"));
        List<List<String>> pred = List.of(List.of("I-PER", "I-PER", "O", "I-LOC"));
        assertThat(Seqeval.entities(pred, false, null)).isEqualTo(Set.of(new Seqeval.Entity(0, "PER", 0, 1),
                new Seqeval.Entity(0, "LOC", 3, 3)));
        assertThat(Seqeval.entities(pred, true, TagScheme.IOB2)).isEmpty();
        assertThat(Seqeval.evaluate(gold, pred, false, null).overall().f1()).isEqualTo(1.0);
        assertThat(Seqeval.evaluate(gold, pred, true, TagScheme.IOB2).overall().f1()).isEqualTo(0.0);
    }

    @Test
    void strictModeRefusesTagsOutsideTheScheme() {
        assertThatThrownBy(() -> Seqeval.evaluate(List.of(List.of("S-PER")), List.of(List.of("O")), true, TagScheme.IOB2))
                .hasMessageContaining("S-PER");
        assertThatThrownBy(() -> Seqeval.evaluate(List.of(List.of("O")), List.of(List.of("O", "O")), false, null))
                .hasMessageContaining("1 gold tags but 2 predicted");
    }

    @Test
    void metricNamesAreRunNers() {
        Seqeval.Report r = Seqeval.evaluate(List.of(List.of("B-PER", "O")), List.of(List.of("B-PER", "B-LOC")), false, null);
        Map<String, Double> m = r.asMap("eval");
        assertThat(m.keySet()).startsWith("eval_precision", "eval_recall", "eval_f1", "eval_accuracy")
                .contains("eval_PER_f1", "eval_LOC_precision", "eval_LOC_number");
        assertThat(m.get("eval_precision")).isEqualTo(0.5);
        assertThat(m.get("eval_LOC_number")).isEqualTo(0.0);
    }

    private static void check(String what, Seqeval.Scores s, JsonNode e) {
        assertThat(s.precision()).as(what + " precision").isEqualTo(e.get(0).asDouble());
        assertThat(s.recall()).as(what + " recall").isEqualTo(e.get(1).asDouble());
        assertThat(s.f1()).as(what + " f1").isEqualTo(e.get(2).asDouble());
        assertThat(s.number()).as(what + " number").isEqualTo(e.get(3).asLong());
    }

    private static List<List<String>> tags(JsonNode n) {
        List<List<String>> out = new ArrayList<>();
        for (JsonNode s : n) {
            List<String> row = new ArrayList<>();
            s.forEach(t -> row.add(t.asText()));
            out.add(row);
        }
        return out;
    }
}
