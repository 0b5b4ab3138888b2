package org.finetune4j.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.finetune4j.data.Examples;
import org.finetune4j.data.LabelMap;
import org.finetune4j.data.TextClassificationData;
import org.finetune4j.data.TextColumns;
import org.finetune4j.distributed.World;
import org.finetune4j.eval.Evaluator;
import org.finetune4j.model.Head;
import org.finetune4j.model.TaskModel;
import org.finetune4j.tensor.Scope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code finetune4j eval}: a sequence classifier's loss and metrics on a labelled file. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a fine-tuned model folder on a labelled file; the task comes from its config.json.",
                "Sequence classification (CSV, TSV, JSONL, JSON): loss, accuracy, macro precision / recall / F1,",
                "  F1 per class and the confusion matrix.",
                "Token classification (CoNLL or JSONL tokens/ner_tags): loss, entity precision / recall / F1 as seqeval",
                "  computes them (overall and per type) and token accuracy.",
                "Question answering (SQuAD JSON or JSONL): the official SQuAD v1.1 exact match and F1."})
public final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Fine-tuned model folder, or a Hub id.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Labelled data (.csv, .tsv, .jsonl, .json).")
    Path data;

    @Option(names = "--text-column", defaultValue = "text", description = "Text column (default text).")
    String textColumn;

    @Option(names = "--text-pair-column", description = "Second text column, for sentence pairs.")
    String pairColumn;

    @Option(names = "--label-column", defaultValue = "label", description = "Label column (default label).")
    String labelColumn;

    @Option(names = "--max-length", defaultValue = "0", description = "Truncate texts to N tokens (default: the model's positions, at most 512).")
    int maxLength;

    @Option(names = "--batch-size", defaultValue = "64", description = "Evaluation batch size (default 64).")
    int batchSize;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--tag-column", defaultValue = "-1", description = "NER, CoNLL: the tag column (0 = first; default -1, the last).")
    int tagColumn;

    @Option(names = "--scheme", defaultValue = "iob2", description = "NER: tag scheme iob1, iob2 or bioes (default iob2).")
    String scheme;

    @Option(names = "--strict", description = "NER: seqeval's strict mode (entities decoded by --scheme) instead of the default mode.")
    boolean strict;

    @Option(names = "--doc-stride", defaultValue = "128", description = "QA: overlap of context windows in tokens (default 128; --max-length defaults to 384).")
    int docStride;

    @Option(names = "--n-best-size", defaultValue = "20", description = "QA: start/end candidates per window (default 20).")
    int nBest;

    @Option(names = "--max-answer-length", defaultValue = "30", description = "QA: longest answer in tokens (default 30).")
    int maxAnswerLength;

    @Option(names = "--write-predictions", paramLabel = "FILE.json", description = "QA: also write {id: answer} (the official script's input).")
    Path predictionsOut;

    @Mixin
    RunOptions options;

    @Override
    public Integer call() throws Exception {
        return options.run(this::run);
    }

    private Integer run() {
        model = options.hub.model(model);
        data = options.hub.data(data);
        PrintWriter out = spec.commandLine().getOut();
        org.finetune4j.model.Head head = TaskModel.headOf(model);
        if (head == org.finetune4j.model.Head.TOKEN_CLASSIFICATION) {
            TaskEval.print(out, TaskEval.ner(model, data, tagColumn, scheme, strict, maxLength, batchSize), json);
            out.flush();
            return 0;
        }
        if (head == org.finetune4j.model.Head.QUESTION_ANSWERING) {
            TaskEval.print(out, TaskEval.qa(model, data, maxLength, docStride, nBest, maxAnswerLength, batchSize, predictionsOut), json);
            out.flush();
            return 0;
        }
        try (Scope manager = Scope.open(); TaskModel c = TaskModel.load(model, Head.SEQUENCE_CLASSIFICATION, TaskModel.NEEDS)) {
            TextClassificationData d = TextClassificationData.read(data, new TextColumns(textColumn, pairColumn, labelColumn),
                    new LabelMap(c.labels()), false);
            Examples ex = Examples.tokenize(d, c.tokenizer(), c.maxLength(maxLength));
            Evaluator.Result r = Evaluator.run(c.model(), new org.finetune4j.data.PackedRows(ex, c.maxLength(maxLength), false),
                    c.labels(), batchSize, c.padId(), World.SINGLE);
            if (json) {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                r.metrics().forEach(o::put);
                o.set("confusion_matrix", Json.MAPPER.valueToTree(r.confusion()));
                o.set("labels", Json.MAPPER.valueToTree(c.labels()));
                out.println(Json.pretty(o));
            } else {
                print(out, r.metrics(), r.confusion(), c);
            }
        }
        out.flush();
        return 0;
    }

    private static void print(PrintWriter out, Map<String, Double> m, long[][] confusion, TaskModel c) {
        m.forEach((k, v) -> out.printf("%-28s %.4f%n", k, v));
        out.println("confusion matrix (rows: true label, columns: predicted)");
        long most = java.util.Arrays.stream(confusion).flatMapToLong(java.util.Arrays::stream).max().orElse(0);
        int w = Math.max(c.labels().stream().mapToInt(String::length).max().orElse(1), Long.toString(most).length()) + 2;
        out.printf("%" + w + "s", "");
        c.labels().forEach(l -> out.printf("%" + w + "s", l));
        out.println();
        for (int i = 0; i < confusion.length; i++) {
            out.printf("%" + w + "s", c.labels().get(i));
            for (long n : confusion[i]) {
                out.printf("%" + w + "d", n);
            }
            out.println();
        }
    }
}
