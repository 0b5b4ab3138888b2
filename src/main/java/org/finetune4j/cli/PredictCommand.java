package org.finetune4j.cli;

import ai.djl.ndarray.NDManager;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code finetune4j predict}: label, score and class probabilities per text, as JSON lines. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Classify texts with a sequence-classification model folder.",
                "Prints one JSON line per text: {\"text\", \"label\", \"score\", \"probabilities\": {label: p}}."})
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

    @Mixin
    Threads threads;

    @Override
    public Integer call() throws IOException {
        threads.apply();
        model = hub.model(model);
        if ((input == null) == texts.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give either TEXT... or --input FILE.jsonl");
        }
        List<String> texts = input != null ? readJsonl(input) : this.texts;
        PrintWriter out = spec.commandLine().getOut();
        try (NDManager manager = NDManager.newBaseManager(); Classifier c = Classifier.load(model, manager)) {
            float[][] probs = c.probabilities(Examples.tokenize(texts, c.tokenizer(), c.maxLength(maxLength)), batchSize, manager);
            for (int i = 0; i < texts.size(); i++) {
                out.println(Json.compact(line(texts.get(i), probs[i], c.labels())));
            }
        }
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
