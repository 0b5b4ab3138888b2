package org.finetune4j.recipe;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.data.LmData;
import org.finetune4j.data.TextSource;
import org.finetune4j.eval.LmEvaluator;
import org.finetune4j.model.Head;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tokenize.Tokenizer;
import org.finetune4j.train.Evaluation;
import org.finetune4j.train.Trainer;

/**
 * {@code task: mlm}, {@code pretraining} (MLM with next-sentence prediction) and {@code clm}, one record per
 * objective. Its {@code data} block: where the text is, how it becomes rows ({@code line_by_line} with
 * {@code max_length}, else blocks of {@code block_size}), and the masking settings of the masked objectives.
 * The job: the rows, the objective's head, loss and perplexity on the validation rows.
 */
public record LanguageModeling(LmData.Objective objective, Path train, Path validation, double validationSplit,
        String textColumn, boolean lineByLine, Integer maxLength, Integer blockSize, double mlmProbability,
        boolean wholeWordMask, double nspProbability, long evalSeed) implements Task {

    static final Kind MLM = new Kind("mlm", d -> read(LmData.Objective.MLM, d));
    static final Kind PRETRAINING = new Kind("pretraining", d -> read(LmData.Objective.PRETRAINING, d));
    static final Kind CLM = new Kind("clm", d -> read(LmData.Objective.CLM, d));

    /** run_mlm / run_clm cap the default length at 1024. */
    static final int DEFAULT_CAP = 1024;

    @Override
    public String name() {
        return switch (objective) {
            case MLM -> MLM.name();
            case PRETRAINING -> PRETRAINING.name();
            case CLM -> CLM.name();
        };
    }

    /** The head each objective trains. */
    public static Head head(LmData.Objective o) {
        return switch (o) {
            case MLM -> Head.MASKED_LM;
            case PRETRAINING -> Head.PRETRAINING;
            case CLM -> Head.CAUSAL_LM;
        };
    }

    /** The row length: max_length (line by line) or block_size, else the model's positions capped at 1024. */
    public int length(int modelPositions) {
        Integer given = lineByLine || objective == LmData.Objective.PRETRAINING ? maxLength : blockSize;
        return given != null ? given : Math.min(DEFAULT_CAP, modelPositions);
    }

    /** The key that sets the row length, for messages. */
    public String lengthKey() {
        return lineByLine || objective == LmData.Objective.PRETRAINING ? "data.max_length" : "data.block_size";
    }

    static LanguageModeling read(LmData.Objective objective, Node d) {
        boolean masked = objective.masked();
        boolean pairs = objective == LmData.Objective.PRETRAINING;
        boolean lineByLine = !pairs && d.bool("line_by_line", false);
        Integer maxLength = lineByLine || pairs ? d.optionalInt("max_length") : null;
        Integer blockSize = lineByLine || pairs ? null : d.optionalInt("block_size");
        LanguageModeling s = new LanguageModeling(objective, d.requiredInput("train"),
                d.input("validation"), d.number("validation_split", 0.05), d.string("text_column", "text"),
                lineByLine, maxLength, blockSize, masked ? d.number("mlm_probability", 0.15) : 0,
                masked && d.bool("whole_word_mask", false), pairs ? d.number("nsp_probability", 0.5) : 0,
                d.integer("eval_seed", 42));
        if (s.maxLength() != null && s.maxLength() < (pairs ? 5 : 2)) {
            throw d.error("max_length", "must be at least " + (pairs ? 5 : 2) + ", got " + s.maxLength());
        }
        if (s.blockSize() != null && s.blockSize() < 2) {
            throw d.error("block_size", "must be at least 2, got " + s.blockSize());
        }
        if (masked && !(s.mlmProbability() > 0 && s.mlmProbability() < 1)) {
            throw d.error("mlm_probability", "must be in (0, 1), got " + s.mlmProbability());
        }
        if (pairs && !(s.nspProbability() >= 0 && s.nspProbability() <= 1)) {
            throw d.error("nsp_probability", "must be in [0, 1], got " + s.nspProbability());
        }
        if (s.validationSplit() < 0 || s.validationSplit() >= 1) {
            throw d.error("validation_split", "must be in [0, 1), got " + s.validationSplit());
        }
        if (!lineByLine && !pairs && d.has("max_length")) {
            throw d.error("max_length", "applies with line_by_line: true; blocks are cut at block_size");
        }
        if ((lineByLine || pairs) && d.has("block_size")) {
            throw d.error("block_size", "applies when texts are concatenated and chunked (line_by_line: false); "
                    + "rows are truncated at max_length");
        }
        return s;
    }

    @Override
    public boolean packs() {
        return true;
    }

    @Override
    public Trainer.Job job(JobContext c) {
        if (objective.masked()) {
            c.refuseLabelSmoothing("with task " + name(), "");
        }
        Data data = data(c);
        long pad = c.padId();
        TransformerModel model = c.model(c.config(), head(objective));
        int evalBatch = c.evalBatch();
        Evaluation evaluation = data.eval() == null ? null
                : (m, world) -> LmEvaluator.evaluate(m, data.eval(), evalBatch, pad, evalSeed, "eval_", world,
                        c.recipe().packing());
        return c.job(model, data.train(), evaluation);
    }

    /** Training and validation rows (validation null when there is none). */
    record Data(LmData train, LmData eval) {}

    /** Reads, tokenizes and splits the block's text for the context's model. */
    private Data data(JobContext c) {
        Tokenizer tok = c.tokenizer();
        long seed = c.training().seed();
        PrintStream console = c.console();
        int length = length(c.config().maxPositions());
        c.checkLength(lengthKey(), length);
        LmData.Masking masking = objective.masked() ? LmData.masking(tok, mlmProbability, wholeWordMask) : null;
        long eos = tok.special().eosId(c.config().common().eosTokenId());
        LmData trainRows = build(train, tok, length, masking, eos, seed);
        LmData eval = validation == null ? null : build(validation, tok, length, masking, eos, seed + 1);
        if (eval == null && validationSplit > 0) {
            LmData[] parts = trainRows.split(validationSplit, seed);
            trainRows = parts[0];
            eval = parts[1];
            console.printf("validation: %d rows split from %s (validation_split %s, seed %d)%n", eval.size(), train,
                    validationSplit, seed);
        }
        console.printf("%s: %d training rows%s (%s)%n", objective.name().toLowerCase(java.util.Locale.ROOT),
                trainRows.size(), eval == null ? "" : ", " + eval.size() + " validation rows",
                objective == LmData.Objective.PRETRAINING ? "sentence pairs of at most " + length + " tokens"
                        : lineByLine ? "line by line, at most " + length + " tokens"
                        : "blocks of " + length + " tokens");
        return new Data(trainRows, eval);
    }

    private LmData build(Path file, Tokenizer tok, int length, LmData.Masking masking, long eos, long seed) {
        if (objective == LmData.Objective.PRETRAINING) {
            return LmData.sentencePairs(TextSource.documents(file, textColumn), tok, length, masking, nspProbability, seed);
        }
        if (lineByLine) {
            List<TextSource.Text> texts = TextSource.texts(file, textColumn);
            return LmData.lineByLine(texts, tok, length, objective, masking);
        }
        return LmData.chunked(TextSource.documents(file, textColumn), tok, length, objective, masking, eos);
    }
}
