package org.finetune4j.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.finetune4j.data.QaExamples;
import org.finetune4j.data.QaFeatures;
import org.finetune4j.distributed.World;
import org.finetune4j.eval.QaEvaluator;
import org.finetune4j.eval.QaPostprocess;
import org.finetune4j.eval.Tagger;
import org.finetune4j.model.TaskModel;
import org.finetune4j.tensor.Scope;

/** What predict prints for token-classification and question-answering folders. */
final class TaskPredict {

    private TaskPredict() {}

    /** One JSON line per text: {"text", "entities": [{"entity", "word", "start", "end", "score"}]}. */
    static void entities(Path dir, List<String> texts, int maxLength, PrintWriter out) {
        try (Scope manager = Scope.open(); TaskModel m = TaskModel.load(dir)) {
            for (String text : texts) {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                o.put("text", text);
                var list = o.putArray("entities");
                for (Tagger.Entity e : Tagger.entities(m, text, m.maxLength(maxLength))) {
                    ObjectNode j = list.addObject();
                    j.put("entity", e.type());
                    j.put("word", e.text());
                    j.put("start", e.start());
                    j.put("end", e.end());
                    j.put("score", (float) e.score());
                }
                out.println(Json.compact(o));
            }
        }
    }

    /** One JSON line per question: {"id", "question", "answer", "start", "end", "score"}. */
    static void answers(Path dir, List<String[]> questionsAndContexts, int maxLength, int docStride, int nBest,
            int maxAnswerLength, int batchSize, PrintWriter out) {
        List<QaExamples.Example> ex = new java.util.ArrayList<>();
        for (int i = 0; i < questionsAndContexts.size(); i++) {
            String[] qc = questionsAndContexts.get(i);
            ex.add(new QaExamples.Example(Integer.toString(i), qc[0], qc[1], List.of(), new int[0], "question " + (i + 1)));
        }
        QaExamples data = new QaExamples(Path.of("--question"), ex);
        try (Scope manager = Scope.open(); TaskModel m = TaskModel.load(dir)) {
            int length = m.maxLength(maxLength > 0 ? maxLength : 384);
            if (docStride >= length) {
                throw new org.finetune4j.Finetune4jException("--doc-stride " + docStride + " must be below the max length " + length);
            }
            QaFeatures f = QaFeatures.build(data, m.tokenizer(), length, docStride, false, false, true);
            QaEvaluator.Logits l = QaEvaluator.logits(m.model(), f, batchSize, m.padId(), World.SINGLE, true);
            Map<String, QaPostprocess.Answer> best = QaPostprocess.best(f, l.start(), l.end(), nBest, maxAnswerLength);
            for (QaExamples.Example e : ex) {
                QaPostprocess.Answer a = best.get(e.id());
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                o.put("question", e.question());
                o.put("answer", a.text());
                o.put("start", a.start());
                o.put("end", a.end());
                o.put("score", (float) a.probability());
                out.println(Json.compact(o));
            }
        }
    }
}
