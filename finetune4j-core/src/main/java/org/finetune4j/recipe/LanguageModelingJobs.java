package org.finetune4j.recipe;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.LmData;
import org.finetune4j.data.TextSource;
import org.finetune4j.eval.LmEvaluator;
import org.finetune4j.hub.HubSettings;
import org.finetune4j.model.Bert;
import org.finetune4j.model.Head;
import org.finetune4j.model.ModelConfig;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tokenize.Tokenizer;
import org.finetune4j.train.Evaluation;
import org.finetune4j.train.Trainer;

/** The jobs of {@code task: mlm}, {@code pretraining} and {@code clm}. */
public final class LanguageModelingJobs {

    private LanguageModelingJobs() {}

    /** The head each objective trains. */
    public static Head head(LmData.Objective o) {
        return switch (o) {
            case MLM -> Head.MASKED_LM;
            case PRETRAINING -> Head.PRETRAINING;
            case CLM -> Head.CAUSAL_LM;
        };
    }

    /** The job; the model's parameters live in {@code manager}. */
    public static Trainer.Job create(Recipe r, PrintStream console, HubSettings hub) {
        Path dir = Jobs.modelDir(r, hub, console);
        LanguageModelingSpec d = r.data(LanguageModelingSpec.class);
        if (d.objective().masked() && r.training().labelSmoothingFactor() > 0) {
            throw new Finetune4jException(r.file() + ": training.label_smoothing_factor is not supported with task "
                    + r.task());
        }
        try (Tokenizer tok = Tokenizer.load(dir)) {
            ModelConfig config = ModelConfig.read(dir);
            tok.checkIdsBelow(config.vocabSize());
            Data data = data(r.file(), d, tok, config, r.training().seed(), console);
            long pad = Jobs.padId(tok, config, console);
            TransformerModel model = Jobs.model(r, dir, config, head(d.objective()), console);
            if (model instanceof Bert b) {
                b.decodeLabelledOnly(true);
            }
            int evalBatch = r.training().perDeviceEvalBatchSize();
            Evaluation evaluation = data.eval() == null ? null
                    : (m, world) -> LmEvaluator.evaluate(m, data.eval(), evalBatch, pad, d.evalSeed(), "eval_", world, r.packing());
            return new Trainer.Job(model, dir, data.train(), evaluation, pad, r.training());
        }
    }

    /** Training and validation rows (validation null when there is none). */
    public record Data(LmData train, LmData eval) {}

    /** Reads, tokenizes and splits the data block's text for {@code config}'s model. */
    public static Data data(String recipe, LanguageModelingSpec d, Tokenizer tok, ModelConfig config, long seed,
            PrintStream console) {
        int length = d.length(config.maxPositions());
        if (length > config.maxPositions()) {
            throw new Finetune4jException(recipe + ": " + d.lengthKey() + " " + length + " exceeds the "
                    + config.maxPositions() + " positions of the model");
        }
        LmData.Masking masking = d.objective().masked() ? LmData.masking(tok, d.mlmProbability(), d.wholeWordMask()) : null;
        long eos = tok.special().eos() >= 0 ? tok.special().eos()
                : config.common().eosTokenId() != null ? config.common().eosTokenId() : -1;
        LmData train = build(d, d.train(), tok, length, masking, eos, seed);
        LmData eval = d.validation() == null ? null : build(d, d.validation(), tok, length, masking, eos, seed + 1);
        if (eval == null && d.validationSplit() > 0) {
            LmData[] parts = train.split(d.validationSplit(), seed);
            train = parts[0];
            eval = parts[1];
            console.printf("validation: %d rows split from %s (validation_split %s, seed %d)%n", eval.size(), d.train(),
                    d.validationSplit(), seed);
        }
        console.printf("%s: %d training rows%s (%s)%n", d.objective().name().toLowerCase(java.util.Locale.ROOT),
                train.size(), eval == null ? "" : ", " + eval.size() + " validation rows",
                d.objective() == LmData.Objective.PRETRAINING ? "sentence pairs of at most " + length + " tokens"
                        : d.lineByLine() ? "line by line, at most " + length + " tokens"
                        : "blocks of " + length + " tokens");
        return new Data(train, eval);
    }

    private static LmData build(LanguageModelingSpec d, Path file, Tokenizer tok, int length, LmData.Masking masking,
            long eos, long seed) {
        if (d.objective() == LmData.Objective.PRETRAINING) {
            return LmData.sentencePairs(TextSource.documents(file, d.textColumn()), tok, length, masking,
                    d.nspProbability(), seed);
        }
        if (d.lineByLine()) {
            List<TextSource.Text> texts = TextSource.texts(file, d.textColumn());
            return LmData.lineByLine(texts, tok, length, d.objective(), masking);
        }
        return LmData.chunked(TextSource.documents(file, d.textColumn()), tok, length, d.objective(), masking, eos);
    }
}
