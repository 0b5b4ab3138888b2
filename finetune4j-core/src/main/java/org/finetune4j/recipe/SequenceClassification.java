package org.finetune4j.recipe;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.finetune4j.data.Examples;
import org.finetune4j.data.TextClassificationData;
import org.finetune4j.data.TextColumns;
import org.finetune4j.data.TextTemplate;
import org.finetune4j.distributed.World;
import org.finetune4j.eval.Evaluator;
import org.finetune4j.model.Head;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tokenize.Tokenizer;
import org.finetune4j.train.Evaluation;
import org.finetune4j.train.Runs;
import org.finetune4j.train.Trainer;

/**
 * {@code task: sequence-classification}. Its {@code data} block: the files, columns and lengths, an
 * optional {@code template} that puts an instruction around each text ({@code "Classify the sentiment: {text}"}),
 * and optional {@code label_names} for labels 0..K-1 (class k is named {@code label_names[k]} in the saved config).
 * The job: labelled rows, a label map from the training labels, accuracy and F1 with a confusion matrix.
 */
public record SequenceClassification(Path train, Path validation, String textColumn, String textPairColumn,
        String labelColumn, Integer maxLength, double validationSplit, boolean skipBadRows, TextTemplate template,
        List<String> labelNames) implements Task {

    static final Kind KIND = new Kind("sequence-classification", SequenceClassification::read);

    static final int DEFAULT_MAX_LENGTH = 128;

    @Override
    public String name() {
        return KIND.name();
    }

    /** max_length as given, else 128 (run_glue's default) capped at the model's positions. */
    public int maxLength(int modelPositions) {
        return maxLength != null ? maxLength : Math.min(DEFAULT_MAX_LENGTH, modelPositions);
    }

    private static TextTemplate template(Node d) {
        String t = d.string("template", null);
        try {
            return t == null ? null : new TextTemplate(t);
        } catch (IllegalArgumentException e) {
            throw d.error("template", e.getMessage());
        }
    }

    static SequenceClassification read(Node d) {
        SequenceClassification data = new SequenceClassification(d.requiredInput("train"),
                d.input("validation"), d.string("text_column", "text"), d.string("text_pair_column", null),
                d.string("label_column", "label"), d.optionalInt("max_length"), d.number("validation_split", 0.1),
                d.bool("skip_bad_rows", false), template(d), d.has("label_names") ? d.strings("label_names") : null);
        if (data.labelNames() != null && (data.labelNames().size() < 2
                || new java.util.HashSet<>(data.labelNames()).size() != data.labelNames().size())) {
            throw d.error("label_names", "must name each class once, at least two, got " + data.labelNames());
        }
        if (data.maxLength() != null && data.maxLength() < 2) {
            throw d.error("max_length", "must be at least 2, got " + data.maxLength());
        }
        if (data.validationSplit() < 0 || data.validationSplit() >= 1) {
            throw d.error("validation_split", "must be in [0, 1), got " + data.validationSplit());
        }
        return data;
    }

    /** The training and validation rows (validation null when there is none), labels named and templated. */
    private record Rows(TextClassificationData train, TextClassificationData eval) {}

    private Rows rows(JobContext c) {
        PrintStream console = c.console();
        long seed = c.training().seed();
        TextColumns columns = new TextColumns(textColumn, textPairColumn, labelColumn);
        TextClassificationData trainRows = TextClassificationData.readTraining(c.dataFile(train), columns, skipBadRows);
        TextClassificationData eval;
        if (validation != null) {
            eval = TextClassificationData.read(c.dataFile(validation), columns, trainRows.labelMap(), skipBadRows);
        } else if (validationSplit > 0) {
            TextClassificationData.Split split = trainRows.split(validationSplit, seed);
            trainRows = split.train();
            eval = split.validation();
            console.printf("validation: %d rows split from %s (validation_split %s, seed %d)%n", eval.size(), train,
                    validationSplit, seed);
        } else {
            eval = null;
        }
        reportSkipped(trainRows, console);
        if (eval != null) {
            reportSkipped(eval, console);
        }
        if (labelNames != null) {
            trainRows = trainRows.withLabelNames(labelNames, "data.label_names");
            eval = eval == null ? null : eval.withLabelNames(labelNames, "data.label_names");
        }
        if (template != null) {
            trainRows = template.apply(trainRows);
            eval = eval == null ? null : template.apply(eval);
            console.println("template: " + org.finetune4j.io.Text.quote(template.pattern()) + " around every text");
        }
        return new Rows(trainRows, eval);
    }

    @Override
    public boolean packs() {
        return true;
    }

    @Override
    public Trainer.Job job(JobContext c) {
        Rows rows = rows(c);
        Tokenizer tok = c.tokenizer();
        int maxLength = maxLength(c.config().maxPositions());
        c.checkLength("data.max_length", maxLength);
        c.checkHeadLabels(Head.SEQUENCE_CLASSIFICATION, rows.train().labelMap(), rows.train().file());
        rows.train().labelCounts().forEach(c.console()::println);
        if (rows.eval() != null && validation != null) {
            rows.eval().labelCounts().forEach(c.console()::println);
        }
        TransformerModel model = c.model(c.configWith(rows.train().labelMap(), "single_label_classification"),
                Head.SEQUENCE_CLASSIFICATION);
        Examples trainEx = Examples.tokenize(rows.train(), tok, maxLength);
        Examples evalTokens = rows.eval() == null ? null : Examples.tokenize(rows.eval(), tok, maxLength);
        org.finetune4j.data.Dataset evalEx = evalTokens == null ? null : c.forEvaluation(evalTokens, maxLength, false);
        return c.job(model, trainEx, evalEx == null ? null : evaluation(evalEx, rows.train().labelMap().names(), c));
    }

    /** Accuracy and F1 each epoch; at the end also confusion_matrix.json. */
    private static Evaluation evaluation(org.finetune4j.data.Dataset evalEx, List<String> labels, JobContext c) {
        int evalBatch = c.evalBatch();
        long pad = c.padId();
        return new Evaluation() {
            @Override
            public Map<String, Double> evaluate(TransformerModel m, World world) {
                return Evaluator.evaluate(m, evalEx, labels, evalBatch, pad, world);
            }

            @Override
            public Map<String, Double> evaluateFinal(TransformerModel m, World world, Path out) throws IOException {
                Evaluator.Result result = Evaluator.run(m, evalEx, labels, evalBatch, pad, world);
                if (world.main()) {
                    Runs.writeJson(out.resolve("confusion_matrix.json"), Map.of("labels", labels, "matrix", result.confusion()));
                }
                return result.metrics();
            }
        };
    }

    private static void reportSkipped(TextClassificationData data, PrintStream console) {
        if (data.skipped() > 0) {
            console.printf("skipped %d bad rows of %s (first: %s)%n", data.skipped(), data.file(), data.firstSkipped());
        }
    }
}
