package org.finetune4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.Examples;
import org.finetune4j.eval.Classifier;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.Scope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code finetune4j predict}: label, score and class probabilities per text, as JSON lines. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predict with a fine-tuned model folder; the task comes from its config.json (architectures).",
                "Sequence classification: one JSON line per text: {\"text\", \"label\", \"score\", \"probabilities\": {label: p}}.",
                "Token classification (NER): one JSON line per text: {\"text\", \"entities\": [{\"entity\", \"word\", \"start\", \"end\", \"score\"}]}",
                "  (start and end are character offsets into the text).",
                "Question answering: --question Q --context C (or --input lines with question and context):",
                "  {\"question\", \"answer\", \"start\", \"end\", \"score\"}."})
public final class PredictCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Fine-tuned model folder, or a Hub id.")
    Path model;

    @Mixin
    HubOptions hub;

    @Parameters(paramLabel = "TEXT", arity = "0..*", description = "Texts to classify (or use --input).")
    List<String> texts = new ArrayList<>();

    @Option(names = "--input", paramLabel = "FILE.jsonl", description = "One JSON object per line with the text under --text-field.")
    Path input;

    @Option(names = "--text-field", defaultValue = "text", description = "Field of --input lines holding the text (default text).")
    String textField;

    @Option(names = "--max-length", defaultValue = "0", description = "Truncate texts to N tokens (default: the model's positions, at most 512).")
    int maxLength;

    @Option(names = "--batch-size", defaultValue = "64", description = "Batch size (default 64).")
    int batchSize;

    @Option(names = "--question", paramLabel = "Q", description = "Question answering: the question (with --context).")
    String question;

    @Option(names = "--context", paramLabel = "C", description = "Question answering: the text that holds the answer.")
    String context;

    @Option(names = "--doc-stride", defaultValue = "128", description = "Question answering: overlap of context windows in tokens (default 128).")
    int docStride;

    @Option(names = "--n-best-size", defaultValue = "20", description = "Question answering: start/end candidates per window (default 20).")
    int nBest;

    @Option(names = "--max-answer-length", defaultValue = "30", description = "Question answering: longest answer in tokens (default 30).")
    int maxAnswerLength;

    @Mixin
    PrecisionOption precision;

    @Mixin
    ThreadsOption threads;

    @Mixin
    DeviceOption device;

    @Override
    public Integer call() throws IOException {
        try (Autograd.Guard cast = precision.enter()) {
            return run();
        }
    }

    private Integer run() throws IOException {
        threads.apply();
        device.apply();
        model = hub.model(model);
        org.finetune4j.model.Head head = org.finetune4j.eval.TaskModel.headOf(model);
        if (head == org.finetune4j.model.Head.QUESTION_ANSWERING) {
            return answer();
        }
        if ((question != null) || (context != null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--question and --context need a question-answering model");
        }
        if ((input == null) == texts.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give either TEXT... or --input FILE.jsonl");
        }
        List<String> texts = input != null ? readJsonl(input) : this.texts;
        PrintWriter out = spec.commandLine().getOut();
        if (head == org.finetune4j.model.Head.TOKEN_CLASSIFICATION) {
            TaskPredict.entities(model, texts, maxLength, out);
            out.flush();
            return 0;
        }
        try (Scope manager = Scope.open(); Classifier c = Classifier.load(model)) {
            float[][] probs = c.probabilities(Examples.tokenize(texts, c.tokenizer(), c.maxLength(maxLength)), batchSize);
            for (int i = 0; i < texts.size(); i++) {
                out.println(Json.compact(line(texts.get(i), probs[i], c.labels())));
            }
        }
        out.flush();
        return 0;
    }

    private int answer() throws IOException {
        List<String[]> qc = new ArrayList<>();
        if (input != null) {
            if (question != null || context != null || !texts.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give either --question and --context or --input");
            }
            String saved = textField;
            textField = "question";
            List<String> qs = readJsonl(input);
            textField = "context";
            List<String> cs = readJsonl(input);
            textField = saved;
            for (int i = 0; i < qs.size(); i++) {
                qc.add(new String[] {qs.get(i), cs.get(i)});
            }
        } else {
            if (question == null || context == null || !texts.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "a question-answering model needs --question Q --context C (or --input FILE.jsonl)");
            }
            qc.add(new String[] {question, context});
        }
        PrintWriter out = spec.commandLine().getOut();
        TaskPredict.answers(model, qc, maxLength, docStride, nBest, maxAnswerLength, batchSize, out);
        out.flush();
        return 0;
    }

    private static ObjectNode line(String text, float[] p, List<String> labels) {
        int best = 0;
        for (int k = 1; k < p.length; k++) {
            if (p[k] > p[best]) {
                best = k;
            }
        }
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("text", text);
        o.put("label", labels.get(best));
        o.put("score", p[best]);
        ObjectNode all = o.putObject("probabilities");
        for (int k = 0; k < p.length; k++) {
            all.put(labels.get(k), p[k]);
        }
        return o;
    }

    private List<String> readJsonl(Path file) throws IOException {
        List<String> texts = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode o;
            try {
                o = Json.MAPPER.readTree(line);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new Finetune4jException(file + ":" + n + ": not valid JSON");
            }
            JsonNode t = o == null ? null : o.get(textField);
            if (t == null || !t.isTextual() || t.asText().isBlank()) {
                throw new Finetune4jException(file + ":" + n + ": no text under '" + textField + "'");
            }
            texts.add(t.asText());
        }
        if (texts.isEmpty()) {
            throw new Finetune4jException(file + ": no texts");
        }
        return texts;
    }
}
