package org.finetune4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.finetune4j.Fixtures;
import org.finetune4j.data.Packing;
import org.finetune4j.data.QaExamples;
import org.finetune4j.data.QaFeatures;
import org.finetune4j.distributed.World;
import org.finetune4j.eval.EvalLoop;
import org.finetune4j.eval.QaEvaluator;
import org.finetune4j.eval.QaPostprocess;
import org.finetune4j.model.Head;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tokenize.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Extractive QA packs (data.packing, the default): windows of mixed lengths, several a row, train and evaluate as
 * each window does alone, on the bert-qa fixture (dropout 0).
 */
class PackedQuestionAnsweringTest {

    @TempDir
    Path dir;

    /** Contexts and their questions, each answer the context's first occurrence of the text. */
    private static final String[][][] PARAGRAPHS = {
        {{"the quick brown fox jumps over the lazy dog in the park and the cat sat on the mat near the river after the"
                + " lunch in the garden"}, {"who sat on the mat?", "the cat"}, {"where?", "the garden"}, {"who jumps?", "fox"}},
        {{"she bought bread and milk at the market"}, {"what did she buy?", "bread and milk"}, {"where?", "the market"}},
        {{"the teacher reads books"}, {"who reads?", "the teacher"}},
        {{"it was a sunny day"}, {"what day?", "sunny"}},
        {{"the children played in the park before lunch every day"}, {"who played?", "the children"},
            {"when?", "before lunch"}},
        {{"coffee is served warm in the cafe near the office"}, {"what is served?", "coffee"}, {"where?", "the cafe"}},
        {{"he looked at the door"}, {"what did he look at?", "the door"}},
    };

    /**
     * Five training steps of a packed batch of 4 windows (mixed lengths, several a row) give the losses of the same
     * windows each alone, unpacked in batches of one (no pads in the softmax) with 4 accumulation steps.
     */
    @Test
    void packedTrainingGivesTheLossesOfEachWindowAlone() throws IOException {
        Path recipe = recipe(squad());
        List<Double> packed = PackedTrainingTest.losses(recipe, "training.output_dir=" + dir.resolve("packed"));
        List<Double> alone = PackedTrainingTest.losses(recipe, "data.packing=false", "training.per_device_train_batch_size=1",
                "training.gradient_accumulation_steps=4", "training.output_dir=" + dir.resolve("alone"));
        assertThat(packed).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertThat(packed.get(i)).as("step %d", i + 1).isCloseTo(alone.get(i), within(1e-4));
        }
    }

    /** Evaluation packed and padded: every window's span logits, every answer, exact match and F1 the same. */
    @Test
    void packedEvaluationGivesThePaddedAnswersAndScores() throws IOException {
        try (Scope scope = Scope.open(); Tokenizer tok = Tokenizer.load(Fixtures.dir("bert-qa"))) {
            TransformerModel model = Pretrained.load(Fixtures.dir("bert-qa"), Head.QUESTION_ANSWERING, 7).model();
            QaFeatures f = QaFeatures.build(QaExamples.read(squad()), tok, 32, 8, false, false);
            int batch = 6;
            assertThat(EvalLoop.batches(f.size(), batch)).as("a batch packs several windows a row")
                    .anySatisfy(k -> assertThat(Packing.pack(f.batch(k, 0), 32, 0, false).size()).isLessThan(k.length));
            QaEvaluator.Logits a = QaEvaluator.logits(model, f, batch, 0, World.SINGLE, false);
            QaEvaluator.Logits b = QaEvaluator.logits(model, f, batch, 0, World.SINGLE, true);
            for (int i = 0; i < f.size(); i++) {
                assertThat(b.start()[i]).as("window %d", i).containsExactly(a.start()[i], within(1e-5f));
                assertThat(b.end()[i]).as("window %d", i).containsExactly(a.end()[i], within(1e-5f));
            }
            Map<String, QaPostprocess.Answer> padded = QaPostprocess.best(f, a.start(), a.end(), 20, 30);
            Map<String, QaPostprocess.Answer> packed = QaPostprocess.best(f, b.start(), b.end(), 20, 30);
            assertThat(packed.keySet()).containsExactlyElementsOf(padded.keySet());
            padded.forEach((id, answer) -> assertThat(packed.get(id).text()).as(id).isEqualTo(answer.text()));
            Map<String, Double> x = QaEvaluator.evaluate(model, f, 20, 30, batch, 0, World.SINGLE, false);
            Map<String, Double> y = QaEvaluator.evaluate(model, f, 20, 30, batch, 0, World.SINGLE, true);
            assertThat(y.get("eval_exact_match")).isEqualTo(x.get("eval_exact_match"));
            assertThat(y.get("eval_f1")).isEqualTo(x.get("eval_f1"));
        }
    }

    private Path squad() throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode().put("version", "1.1");
        ArrayNode paragraphs = root.putArray("data").addObject().put("title", "t").putArray("paragraphs");
        int id = 0;
        for (String[][] p : PARAGRAPHS) {
            String context = p[0][0];
            ObjectNode para = paragraphs.addObject().put("context", context);
            ArrayNode qas = para.putArray("qas");
            for (int q = 1; q < p.length; q++) {
                ObjectNode qa = qas.addObject().put("id", "q" + id++).put("question", p[q][0]);
                qa.putArray("answers").addObject().put("text", p[q][1]).put("answer_start", context.indexOf(p[q][1]));
            }
        }
        Path file = dir.resolve("squad.json");
        json.writeValue(file.toFile(), root);
        return file;
    }

    private Path recipe(Path squad) throws IOException {
        return Files.write(dir.resolve("qa.yaml"), List.of("model:", "  path: " + Fixtures.dir("bert-qa"),
                "task: question-answering", "data:", "  train: " + squad, "  max_length: 32", "  doc_stride: 8",
                "training:", "  output_dir: " + dir.resolve("out"), "  max_steps: 5", "  per_device_train_batch_size: 4",
                "  learning_rate: 1.0e-2", "  logging_steps: 1", "  save_strategy: 'no'", "  seed: 3"));
    }
}
