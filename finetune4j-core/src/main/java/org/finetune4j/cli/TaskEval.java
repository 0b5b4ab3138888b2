package org.finetune4j.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.LabelMap;
import org.finetune4j.data.QaExamples;
import org.finetune4j.data.QaFeatures;
import org.finetune4j.data.TagScheme;
import org.finetune4j.data.TaggedSentences;
import org.finetune4j.data.TokenClassificationData;
import org.finetune4j.distributed.World;
import org.finetune4j.eval.QaEvaluator;
import org.finetune4j.eval.QaPostprocess;
import org.finetune4j.eval.SquadMetric;
import org.finetune4j.eval.TokenEvaluator;
import org.finetune4j.io.AtomicFile;
import org.finetune4j.model.TaskModel;
import org.finetune4j.tensor.Scope;

/** What eval does for token-classification and question-answering folders. */
final class TaskEval {

    private TaskEval() {}

    /** seqeval scores (and loss) of a NER folder on a CoNLL or JSONL file. */
    static Map<String, Double> ner(Path dir, Path data, int tagColumn, String scheme, boolean strict, int maxLength,
            int batchSize) {
        TagScheme s;
        try {
            s = TagScheme.parse(scheme);
        } catch (IllegalArgumentException e) {
            throw new Finetune4jException("--scheme: " + e.getMessage());
        }
        try (Scope manager = Scope.open(); TaskModel m = TaskModel.load(dir)) {
            TaggedSentences sentences = TaggedSentences.read(data,
                    new TaggedSentences.Layout(null, tagColumn, "tokens", "ner_tags", null, s));
            LabelMap labels = new LabelMap(m.labels());
            TokenClassificationData d = TokenClassificationData.tokenize(sentences, labels, m.tokenizer(),
                    m.maxLength(maxLength), false);
            Map<String, Double> out = TokenEvaluator.evaluate(m.model(), d, m.labels(), strict, s, batchSize, m.padId(), World.SINGLE);
            if (d.lostWords() > 0) {
                out.put("eval_lost_words", (double) d.lostWords());
            }
            return out;
        }
    }

    /** EM and F1 of a QA folder on a SQuAD file; {@code predictionsOut} (optional) gets {id: answer} as the official script reads. */
    static Map<String, Double> qa(Path dir, Path data, int maxLength, int docStride, int nBest, int maxAnswerLength,
            int batchSize, Path predictionsOut) {
        QaExamples ex = QaExamples.read(data);
        try (Scope manager = Scope.open(); TaskModel m = TaskModel.load(dir)) {
            int length = m.maxLength(maxLength > 0 ? maxLength : 384);
            if (docStride >= length) {
                throw new Finetune4jException("--doc-stride " + docStride + " must be below the max length " + length);
            }
            QaFeatures f = QaFeatures.build(ex, m.tokenizer(), length, docStride, false, false);
            long t0 = System.nanoTime();
            QaEvaluator.Logits l = QaEvaluator.logits(m.model(), f, batchSize, m.padId(), World.SINGLE, true);
            Map<String, QaPostprocess.Answer> best = QaPostprocess.best(f, l.start(), l.end(), nBest, maxAnswerLength);
            Map<String, String> texts = new LinkedHashMap<>();
            best.forEach((id, a) -> texts.put(id, a.text()));
            Map<String, Double> out = new LinkedHashMap<>();
            SquadMetric.score(ex, texts).forEach((k, v) -> out.put("eval_" + k, v));
            out.put("eval_samples", (double) ex.size());
            out.put("eval_features", (double) f.size());
            out.put("eval_runtime", Math.round((System.nanoTime() - t0) / 1e5) / 1e4);
            if (predictionsOut != null) {
                writePredictions(predictionsOut, texts);
            }
            return out;
        }
    }

    /** {id: text} as JSON, written to a temp file and renamed. */
    static void writePredictions(Path file, Map<String, String> texts) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        texts.forEach(o::put);
        Path abs = file.toAbsolutePath();
        try {
            AtomicFile.writeString(abs, Json.pretty(o) + "\n");
        } catch (IOException e) {
            throw new Finetune4jException(file + ": cannot write predictions (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The metrics, one a line. */
    static void print(PrintWriter out, Map<String, Double> m, boolean json) {
        if (json) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            m.forEach(o::put);
            out.println(Json.pretty(o));
        } else {
            m.forEach((k, v) -> out.printf("%-28s %.4f%n", k, v));
        }
    }
}
