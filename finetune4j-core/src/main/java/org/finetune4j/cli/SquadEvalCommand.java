package org.finetune4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.QaExamples;
import org.finetune4j.eval.SquadMetric;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code finetune4j squad-eval}: the official SQuAD v1.1 EM and F1 of a predictions file or of a trivial baseline. */
@Command(name = "squad-eval", mixinStandardHelpOptions = true,
        description = {"Score answers to a SQuAD v1.1 file (JSON or JSONL) with the official exact match and F1.",
                "--predictions reads {question id: answer text}, as the official evaluate-v1.1.py does (an unanswered",
                "question scores 0); --baseline first-sentence answers every question with the first sentence of its",
                "context (split after . ! or ? followed by whitespace)."})
public final class SquadEvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "SQuAD v1.1 JSON or JSONL with gold answers.")
    Path data;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--predictions", paramLabel = "ANSWERS", description = "A JSON file {question id: answer text}.")
        Path predictions;

        @Option(names = "--baseline", paramLabel = "NAME", description = "A trivial answerer: first-sentence.")
        String baseline;
    }

    @Option(names = "--write-predictions", paramLabel = "FILE.json", description = "Also write the baseline's {id: answer}.")
    Path write;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+");

    @Override
    public Integer call() {
        QaExamples ex = QaExamples.read(data);
        Map<String, String> answers;
        if (source.baseline != null) {
            if (!source.baseline.equals("first-sentence")) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "unknown --baseline '" + source.baseline + "' (supported: first-sentence)");
            }
            answers = new LinkedHashMap<>();
            for (QaExamples.Example e : ex.examples()) {
                answers.put(e.id(), firstSentence(e.context()));
            }
            if (write != null) {
                TaskEval.writePredictions(write, answers);
            }
        } else {
            answers = readPredictions(source.predictions);
        }
        Map<String, Double> m = new LinkedHashMap<>(SquadMetric.score(ex, answers));
        long unanswered = ex.examples().stream().filter(e -> !answers.containsKey(e.id())).count();
        m.put("questions", (double) ex.size());
        m.put("unanswered", (double) unanswered);
        PrintWriter out = spec.commandLine().getOut();
        TaskEval.print(out, m, json);
        out.flush();
        return 0;
    }

    /** The context up to its first sentence end (., ! or ? followed by whitespace), or all of it. */
    static String firstSentence(String context) {
        String[] parts = SENTENCE_END.split(context.strip(), 2);
        return parts[0];
    }

    private static Map<String, String> readPredictions(Path file) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new Finetune4jException(file + ": not found");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Finetune4jException(org.finetune4j.io.Json.where(file, e) + ": not valid JSON ("
                    + org.finetune4j.io.Json.problem(e) + ")");
        } catch (IOException e) {
            throw new Finetune4jException(file + ": cannot read (" + e.getClass().getSimpleName() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new Finetune4jException(file + ": expected a JSON object {question id: answer text}");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new Finetune4jException(file + ": the answer of '" + org.finetune4j.io.Text.printable(e.getKey())
                        + "' is not a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }
}
