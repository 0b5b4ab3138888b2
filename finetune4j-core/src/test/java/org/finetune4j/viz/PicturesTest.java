package org.finetune4j.viz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.finetune4j.Fixtures;
import org.finetune4j.data.Examples;
import org.finetune4j.tokenize.Tokenizer;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.style.Styler;

/** What the pictures show: one chart per scale, numbers as people write them, named heatmap axes, a clean sample. */
class PicturesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void perplexityAccuracyAndTokenCountsGetAChartEach() throws IOException {
        List<JsonNode> log = List.of(JSON.readTree("{\"loss\": 3.1, \"learning_rate\": 0.001, \"step\": 10}"),
                JSON.readTree("{\"eval_loss\": 2.5, \"eval_perplexity\": 84.0, \"eval_accuracy\": 0.31, \"eval_tokens\": 512,"
                        + " \"eval_runtime\": 1.2, \"step\": 10}"));
        List<Curves.Chart> charts = Curves.charts(log);
        assertThat(charts).extracting(Curves.Chart::name).containsExactly("loss", "metrics", "perplexity", "tokens", "learning_rate");
        assertThat(charts.get(1).chart().getSeriesMap().keySet()).containsExactly("accuracy");
        for (Curves.Chart c : charts) {
            assertThat(c.chart().getStyler().getLegendPosition()).isEqualTo(Styler.LegendPosition.OutsideE);
            assertThat(Arrays.stream(c.chart().getStyler().getSeriesColors()).distinct().count()).isGreaterThanOrEqualTo(8);
        }
        assertThat(List.of(84.0, 84.25, 0.25, 0.001, 2.5e-4, 1500.0, 0.0)).extracting(Curves::people)
                .containsExactly("84", "84.3", "0.25", "1e-3", "2.5e-4", "1,500", "0");
    }

    @Test
    void heatmapAxesAreTitledQueryAndKey() throws IOException {
        float[][] m = {{1, 0}, {0.5f, 0.5f}};
        Heatmap h = new Heatmap("", List.of(new Heatmap.Panel("p", m, List.of("a", "b"), List.of("a", "b"),
                Heatmap.Scale.upTo(m))), 1);
        ByteArrayOutputStream svg = new ByteArrayOutputStream();
        h.writeSvg(svg);
        assertThat(svg.toString(StandardCharsets.UTF_8)).contains(">query<", ">key<");
    }

    @Test
    void theAttentionSampleSkipsTemplateWordsAndMarkup() {
        try (Tokenizer tok = Tokenizer.load(Fixtures.dir("bert-seqcls"))) {
            List<String> texts = List.of("classify the sentiment : the food was good <br /><br /> and the music was better",
                    "classify the sentiment : the movie was bad", "classify the sentiment : i did not like the cafe");
            Examples ex = Examples.tokenize(texts, tok, 64);
            List<String> sample = AttentionMaps.labels(tok, AttentionSample.ids(ex, tok, 32));
            assertThat(sample).startsWith("[CLS]", "the", "food", "was", "good", "and").doesNotContain("classify", "<", "br", ">");
        }
    }
}
