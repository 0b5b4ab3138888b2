package org.finetune4j.recipe;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.InstructionData;
import org.finetune4j.data.InstructionRecords;
import org.finetune4j.data.InstructionTemplate;
import org.finetune4j.eval.TokenLoss;
import org.finetune4j.model.Head;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tokenize.ChatTemplate;
import org.finetune4j.tokenize.Tokenizer;
import org.finetune4j.train.Evaluation;
import org.finetune4j.train.Trainer;

/**
 * {@code task: instruction}: records rendered by a template, the loss on the responses, a causal-LM head. Its
 * {@code data} block: the files, their form ({@code format}), how a record becomes text ({@code template}: alpaca,
 * raw, model = the tokenizer's chat_template, or a built-in chat template), the length cap and whether the prompt
 * is trained too ({@code train_on_inputs}).
 */
public record Instruction(Path train, Path validation, double validationSplit, String format, String template,
        Integer maxLength, boolean trainOnInputs, boolean skipBadRows) implements Task {

    static final Kind KIND = new Kind("instruction", Instruction::read);

    static final int DEFAULT_MAX_LENGTH = 512;

    @Override
    public String name() {
        return KIND.name();
    }

    /** Every template name a recipe may give. */
    static List<String> templates() {
        List<String> t = new ArrayList<>(InstructionTemplate.NAMES);
        t.addAll(ChatTemplate.BUILT_IN.keySet());
        return t;
    }

    /** max_length as given, else 512 capped at the model's positions. */
    public int maxLength(int modelPositions) {
        return maxLength != null ? maxLength : Math.min(DEFAULT_MAX_LENGTH, modelPositions);
    }

    /** The template as given, else the form's own: alpaca for alpaca records, raw for prompt/completion, the model's for messages. */
    public String template(String recognisedFormat) {
        if (template != null) {
            return template;
        }
        return switch (recognisedFormat) {
            case "alpaca" -> "alpaca";
            case "prompt-completion" -> "raw";
            default -> "model";
        };
    }

    static Instruction read(Node d) {
        Instruction data = new Instruction(d.requiredInput("train"), d.input("validation"),
                d.number("validation_split", 0.05), d.choice("format", "auto", InstructionRecords.FORMATS),
                d.choice("template", null, templates()), d.optionalInt("max_length"),
                d.bool("train_on_inputs", false), d.bool("skip_bad_rows", false));
        if (data.maxLength() != null && data.maxLength() < 2) {
            throw d.error("max_length", "must be at least 2, got " + data.maxLength());
        }
        if (data.validationSplit() < 0 || data.validationSplit() >= 1) {
            throw d.error("validation_split", "must be in [0, 1), got " + data.validationSplit());
        }
        return data;
    }

    @Override
    public boolean packs() {
        return true;
    }

    @Override
    public Trainer.Job job(JobContext c) {
        long seed = c.training().seed();
        InstructionRecords.Read trainRows = InstructionRecords.read(c.dataFile(train), format, skipBadRows);
        reportSkipped(trainRows, c);
        InstructionRecords.Read eval = null;
        if (validation != null) {
            eval = InstructionRecords.read(c.dataFile(validation), format, skipBadRows);
            reportSkipped(eval, c);
        } else if (validationSplit > 0) {
            InstructionRecords.Read[] split = trainRows.split(validationSplit, seed);
            trainRows = split[0];
            eval = split[1];
            c.console().printf("validation: %d records split from %s (validation_split %s, seed %d)%n", eval.records().size(),
                    train, validationSplit, seed);
        }
        Tokenizer tok = c.tokenizer();
        int maxLength = maxLength(c.config().maxPositions());
        c.checkLength("data.max_length", maxLength);
        InstructionTemplate rendering = template(template(trainRows.records().get(0).form()), tok);
        long pad = c.padId();
        InstructionData trainData = tokenize(trainRows, rendering, tok, maxLength, c);
        InstructionData evalData = eval == null ? null : tokenize(eval, rendering, tok, maxLength, c);
        TransformerModel model = c.model(c.config(), Head.CAUSAL_LM);
        int evalBatch = c.evalBatch();
        org.finetune4j.data.Dataset evalRows = evalData == null ? null : c.forEvaluation(evalData, maxLength, true);
        Evaluation evaluation = evalRows == null ? null : (m, world) -> TokenLoss.evaluate(m, evalRows, evalBatch, pad, world);
        return c.job(model, trainData, evaluation);
    }

    static InstructionTemplate template(String name, Tokenizer tok) {
        return InstructionTemplate.named(name, tok, "set data.template to one of");
    }

    private InstructionData tokenize(InstructionRecords.Read read, InstructionTemplate rendering, Tokenizer tok,
            int maxLength, JobContext c) {
        InstructionData data = InstructionData.build(read, rendering, tok, maxLength, trainOnInputs);
        if (data.size() == 0) {
            throw new Finetune4jException(read.file() + ": every response lies past max_length " + maxLength
                    + " (first: " + data.firstSkipped() + "); raise data.max_length or shorten the prompts");
        }
        long trained = data.trainedTokens();
        c.console().printf("%s: %d examples, template %s, %,d tokens, %,d trained (%.1f%%), %d truncated to max_length %d%n",
                read.file(), data.size(), rendering.name(), data.tokens(), trained, 100.0 * trained / data.tokens(),
                data.truncated(), maxLength);
        if (data.skipped() > 0) {
            c.console().printf("skipped %d examples of %s whose response lies wholly past max_length %d (first: %s)%n",
                    data.skipped(), read.file(), maxLength, data.firstSkipped());
        }
        return data;
    }

    private static void reportSkipped(InstructionRecords.Read read, JobContext c) {
        if (read.skipped() > 0) {
            c.console().printf("skipped %d bad records of %s (first: %s)%n", read.skipped(), read.file(), read.firstSkipped());
        }
    }
}
