package org.finetune4j.recipe;

import java.io.PrintStream;
import java.nio.file.Path;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.InstructionData;
import org.finetune4j.data.InstructionRecords;
import org.finetune4j.data.InstructionTemplate;
import org.finetune4j.eval.TokenLoss;
import org.finetune4j.hub.HubSettings;
import org.finetune4j.model.Head;
import org.finetune4j.model.ModelConfig;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tokenize.ChatTemplate;
import org.finetune4j.tokenize.Tokenizer;
import org.finetune4j.train.Evaluation;
import org.finetune4j.train.Trainer;

/** {@code task: instruction}: records rendered by a template, the loss on the responses, a causal-LM head. */
final class InstructionJob {

    private InstructionJob() {}

    static Trainer.Job create(Recipe r, PrintStream console, HubSettings hub) {
        Path dir = Jobs.modelDir(r, hub, console);
        InstructionSpec d = r.data(InstructionSpec.class);
        InstructionRecords.Read train = InstructionRecords.read(Jobs.dataFile(d.train(), hub, console), d.format(), d.skipBadRows());
        reportSkipped(train, console);
        InstructionRecords.Read eval = null;
        if (d.validation() != null) {
            eval = InstructionRecords.read(Jobs.dataFile(d.validation(), hub, console), d.format(), d.skipBadRows());
            reportSkipped(eval, console);
        } else if (d.validationSplit() > 0) {
            InstructionRecords.Read[] split = train.split(d.validationSplit(), r.training().seed());
            train = split[0];
            eval = split[1];
            console.printf("validation: %d records split from %s (validation_split %s, seed %d)%n", eval.records().size(),
                    d.train(), d.validationSplit(), r.training().seed());
        }
        try (Tokenizer tok = Tokenizer.load(dir)) {
            ModelConfig config = ModelConfig.read(dir);
            tok.checkIdsBelow(config.vocabSize());
            int maxLength = d.maxLength(config.maxPositions());
            if (maxLength > config.maxPositions()) {
                throw new Finetune4jException(r.file() + ": data.max_length " + maxLength + " exceeds the "
                        + config.maxPositions() + " positions of " + dir);
            }
            InstructionTemplate template = template(d.template(train.records().get(0).form()), tok);
            long pad = Jobs.padId(tok, config, console);
            InstructionData trainData = tokenize(train, template, tok, maxLength, d.trainOnInputs(), console);
            InstructionData evalData = eval == null ? null : tokenize(eval, template, tok, maxLength, d.trainOnInputs(), console);
            TransformerModel model = Jobs.model(r, dir, config, Head.CAUSAL_LM, console);
            int evalBatch = r.training().perDeviceEvalBatchSize();
            org.finetune4j.data.Dataset evalRows = evalData == null || !r.packing() ? evalData
                    : new org.finetune4j.data.PackedRows(evalData, maxLength, true);
            Evaluation evaluation = evalRows == null ? null : (m, world) -> TokenLoss.evaluate(m, evalRows, evalBatch, pad, world);
            return new Trainer.Job(model, dir, trainData, evaluation, pad, r.training());
        }
    }

    static InstructionTemplate template(String name, Tokenizer tok) {
        return InstructionTemplate.named(name, tok, "set data.template to one of");
    }

    private static InstructionData tokenize(InstructionRecords.Read read, InstructionTemplate template, Tokenizer tok,
            int maxLength, boolean trainOnInputs, PrintStream console) {
        InstructionData data = InstructionData.build(read, template, tok, maxLength, trainOnInputs);
        if (data.size() == 0) {
            throw new Finetune4jException(read.file() + ": every response lies past max_length " + maxLength
                    + " (first: " + data.firstSkipped() + "); raise data.max_length or shorten the prompts");
        }
        long trained = data.trainedTokens();
        console.printf("%s: %d examples, template %s, %,d tokens, %,d trained (%.1f%%), %d truncated to max_length %d%n",
                read.file(), data.size(), template.name(), data.tokens(), trained, 100.0 * trained / data.tokens(),
                data.truncated(), maxLength);
        if (data.skipped() > 0) {
            console.printf("skipped %d examples of %s whose response lies wholly past max_length %d (first: %s)%n",
                    data.skipped(), read.file(), maxLength, data.firstSkipped());
        }
        return data;
    }

    private static void reportSkipped(InstructionRecords.Read read, PrintStream console) {
        if (read.skipped() > 0) {
            console.printf("skipped %d bad records of %s (first: %s)%n", read.skipped(), read.file(), read.firstSkipped());
        }
    }
}
