package org.finetune4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.finetune4j.Finetune4jException;
import org.finetune4j.hub.HubSettings;
import org.finetune4j.model.Head;
import org.finetune4j.model.Initializer;
import org.finetune4j.model.ModelConfig;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.recipe.Recipe;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tokenize.Tokenizer;
import org.finetune4j.viz.AttentionMaps;
import org.finetune4j.viz.Curves;
import org.finetune4j.viz.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code finetune4j demo}: the whole pipeline offline on data that ships with Finetune4j. The pretrained
 * all-MiniLM-L6-v2 (from a Maven dependency, imported once into the cache by {@link DemoModel}) is
 * fine-tuned for sentiment on the shipped movie-review sentences through a generated recipe and the
 * Trainer, evaluated on the held-out ones, and shown: attention heatmaps before and after and the run
 * report. {@code --tiny} keeps the small pipeline the tests run: a BERT of bert-tiny's shape initialised
 * at random, further-pretrained with masked LM, fine-tuned on short templated reviews. Everything goes
 * under one folder.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole pipeline offline on data that ships with Finetune4j, in a few minutes on 2 idle cores.",
                "Fine-tunes the pretrained all-MiniLM-L6-v2 for sentiment on 2,000 movie-review sentences, evaluates it on",
                "400 held-out ones, and writes report.html, curves and attention heatmaps before and after. The model comes",
                "from the Maven artifact " + DemoModel.ARTIFACT + " and is imported on first use into",
                "FINETUNE4J_CACHE (default ~/.cache/finetune4j). Everything else goes under --out.",
                "--tiny: a small BERT initialised at random, masked-LM further pretraining on a shipped corpus, then",
                "sentiment on 440 short templated reviews (a minute or two)."})
public final class DemoCommand implements Callable<Integer> {

    /** The shipped files, under /demo on the class path. */
    static final List<String> DATA = List.of("corpus.txt", "reviews_train.csv", "reviews_test.csv", "sentiment_train.csv",
            "sentiment_test.csv");
    private static final String MARKER = "demo.json";

    @Option(names = "--out", defaultValue = "runs/demo", paramLabel = "DIR",
            description = "Folder for everything the demo writes (default runs/demo); an earlier demo there is replaced.")
    Path out;

    @Option(names = "--epochs", paramLabel = "N", description = "Fine-tuning epochs (default 1; with --tiny 3).")
    Integer epochs;

    @Option(names = "--tiny", description = "The small pipeline: a randomly initialised BERT of bert-tiny's shape, MLM, then sentiment.")
    boolean tiny;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of initialisation and training (default 1).")
    long seed;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws IOException {
        threads.apply();
        epochs = epochs != null ? epochs : tiny ? 3 : 1;
        if (epochs < 1) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--epochs must be at least 1");
        }
        PrintStream console = System.out;
        long t0 = System.nanoTime();
        prepare();
        Path data = copyData(out.resolve("data"));
        Path encoder = encoder(data, console);
        Path recipe = writeRecipe(encoder, data, tiny ? TINY : REAL);
        console.println((tiny ? "3" : "2") + ". fine-tuning for sentiment as " + recipe + " says");
        Map<String, Double> results = TrainCommand.run(Recipe.load(recipe, List.of()), Files.readString(recipe), HubSettings.current().offline(), console);
        Path sentiment = out.resolve("sentiment");
        Path heatmap = out.resolve("attention_before_after.png");
        Path grid = out.resolve("attention_all_heads_after.png");
        double change = heatmaps(sentiment, heatmap, grid);
        List<Path> curves = Curves.write(Curves.charts(Curves.read(sentiment.resolve("metrics.jsonl"))), sentiment);
        double seconds = (System.nanoTime() - t0) / 1e9;
        console.println();
        console.printf("demo done in %.0f s%n", seconds);
        long held;
        Plan plan = tiny ? TINY : REAL;
        try (var lines = Files.lines(data.resolve(plan.test()))) {
            held = lines.count() - 1; // the shipped file has a header and no multi-line rows
        }
        console.printf("  accuracy on %d held-out %s: %.3f (f1 %.3f; chance is 0.5)%n", held, plan.what(), results.get("eval_accuracy"),
                results.getOrDefault("eval_f1", Double.NaN));
        console.println("  fine-tuned model:   " + sentiment);
        console.println("  report:             " + sentiment.resolve("report.html"));
        console.printf("  attention heatmaps: %s (before | after | difference; largest change %.3f)%n", heatmap, change);
        console.println("                      " + grid);
        console.println("  curves:             " + curves.stream().filter(p -> p.toString().endsWith(".png"))
                .map(p -> p.getFileName().toString()).toList() + " in " + sentiment);
        console.println("  try: ./finetune4j predict --model " + sentiment + " \"What a lovely little cafe\"");
        return 0;
    }

    /** The model fine-tuning starts from: the imported all-MiniLM-L6-v2, or with --tiny a random BERT after MLM. */
    private Path encoder(Path data, PrintStream console) throws IOException {
        if (!tiny) {
            console.println("1. the pretrained all-MiniLM-L6-v2 (6 layers, hidden 384, 12 heads), from " + DemoModel.ARTIFACT);
            Path model = DemoModel.resolve(console);
            console.println("   " + model);
            return model;
        }
        Path base = initialise(out.resolve("base"));
        console.println("1. initialised a BERT (2 layers, hidden 128, 2 heads) at random: " + base);
        return furtherPretrainWithMlm(base, data.resolve("corpus.txt"), console);
    }

    /**
     * Masked-LM further pretraining of {@code base} on {@code corpus} (line by line, 15% masking, a
     * tenth held out for the MLM loss): writes out/mlm.yaml, trains into out/mlm and returns that
     * folder, which fine-tuning starts from.
     */
    Path furtherPretrainWithMlm(Path base, Path corpus, PrintStream console) throws IOException {
        String yaml = String.join("\n",
                "# Written by ./finetune4j demo: masked-LM further pretraining of the demo's BERT on the shipped corpus.",
                "model:",
                "  path: " + inOut(base),
                "  init: pretrained",
                "task: mlm",
                "data:",
                "  train: " + inOut(corpus),
                "  line_by_line: true",
                "  max_length: 64",
                "  validation_split: 0.1",
                "training:",
                "  output_dir: mlm",
                "  num_train_epochs: " + 4 * epochs,
                "  per_device_train_batch_size: 32",
                "  learning_rate: 2.0e-3",
                "  weight_decay: 0.01",
                "  warmup_ratio: 0.1",
                "  logging_steps: 10",
                "  eval_strategy: epoch",
                "  save_strategy: 'no'",
                "  seed: " + seed,
                "");
        Path recipe = out.resolve("mlm.yaml");
        Files.writeString(recipe, yaml);
        console.println("2. masked-LM further pretraining on " + corpus + " as " + recipe + " says");
        Map<String, Double> m = TrainCommand.run(Recipe.load(recipe, List.of()), yaml, HubSettings.current().offline(), console);
        console.printf("   held-out MLM loss %.3f, perplexity %.1f, masked-token accuracy %.3f%n", m.get("eval_loss"),
                m.getOrDefault("eval_perplexity", Double.NaN), m.getOrDefault("eval_accuracy", Double.NaN));
        return out.resolve("mlm");
    }

    /** Makes --out empty: a folder that an earlier demo wrote (it has demo.json) is cleared; any other is refused. */
    private void prepare() throws IOException {
        if (Files.exists(out)) {
            boolean empty;
            try (var s = Files.list(out)) {
                empty = s.findAny().isEmpty();
            }
            if (!empty && !Files.isRegularFile(out.resolve(MARKER))) {
                throw new Finetune4jException(out + ": exists and was not written by the demo; choose another --out");
            }
            deleteContents(out);
        }
        Files.createDirectories(out);
        ObjectNode marker = Json.MAPPER.createObjectNode();
        marker.put("what", "finetune4j demo output; the next demo run replaces this folder");
        marker.put("seed", seed);
        marker.put("epochs", epochs);
        Files.writeString(out.resolve(MARKER), Json.pretty(marker) + "\n");
    }

    private static Path copyData(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String name : DATA) {
            try (InputStream in = resource(name)) {
                Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    /** A randomly initialised BertForMaskedLM with the demo's vocabulary and tokenizer files. */
    private Path initialise(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (InputStream in = resource("vocab.txt")) {
            Files.copy(in, dir.resolve("vocab.txt"));
        }
        long vocab;
        try (var lines = Files.lines(dir.resolve("vocab.txt"))) {
            vocab = lines.filter(l -> !l.isEmpty()).count();
        }
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.putArray("architectures").add("BertForMaskedLM");
        c.put("model_type", "bert");
        c.put("vocab_size", vocab);
        c.put("hidden_size", 128);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", 2);
        c.put("intermediate_size", 512);
        c.put("hidden_act", "gelu");
        c.put("hidden_dropout_prob", 0.1);
        c.put("attention_probs_dropout_prob", 0.1);
        c.put("max_position_embeddings", 128);
        c.put("type_vocab_size", 2);
        c.put("initializer_range", 0.02);
        c.put("layer_norm_eps", 1e-12);
        c.put("pad_token_id", 0);
        Files.writeString(dir.resolve("config.json"), Json.pretty(c) + "\n");
        ObjectNode tc = Json.MAPPER.createObjectNode();
        tc.put("tokenizer_class", "BertTokenizer");
        tc.put("do_lower_case", true);
        tc.put("model_max_length", 128);
        for (String[] t : new String[][] {{"unk_token", "[UNK]"}, {"sep_token", "[SEP]"}, {"pad_token", "[PAD]"},
            {"cls_token", "[CLS]"}, {"mask_token", "[MASK]"}}) {
            tc.put(t[0], t[1]);
        }
        Files.writeString(dir.resolve("tokenizer_config.json"), Json.pretty(tc) + "\n");
        Tokenizer.load(dir).close(); // the vocabulary and config load
        try (Scope scope = Scope.open()) {
            TransformerModel model = TransformerModel.create(ModelConfig.read(dir), Head.MASKED_LM);
            Initializer.initialiseMissing(model, seed);
            Pretrained.save(model, dir);
        }
        return dir;
    }

    /** {@code p} relative to the demo's folder, where its recipes are: a recipe's paths are relative to the recipe. */
    private String inOut(Path p) {
        return out.toAbsolutePath().normalize().relativize(p.toAbsolutePath().normalize()).toString();
    }

    /** What the sentiment recipe of each demo differs in. */
    private record Plan(String model, String train, String test, String what, int batch, String lr, String warmup) {}

    private static final Plan TINY = new Plan("the demo's BERT after MLM further pretraining", "reviews_train.csv",
            "reviews_test.csv", "reviews", 16, "1.0e-3", "0.1");
    private static final Plan REAL = new Plan("all-MiniLM-L6-v2, imported from its Maven artifact", "sentiment_train.csv",
            "sentiment_test.csv", "movie-review sentences", 32, "5.0e-5", "0.06");

    private Path writeRecipe(Path model, Path data, Plan plan) throws IOException {
        String yaml = String.join("\n",
                "# Written by ./finetune4j demo: sentiment of the shipped " + plan.what() + " with " + plan.model() + ".",
                "# Run it again with: ./finetune4j train " + out.resolve("recipe.yaml") + " training.overwrite_output_dir=true",
                "model:",
                "  path: " + inOut(model) + "          # " + plan.model(),
                "  init: pretrained",
                "task: sequence-classification",
                "data:",
                "  train: " + inOut(data.resolve(plan.train())),
                "  validation: " + inOut(data.resolve(plan.test())) + "   # held out",
                "  text_column: text",
                "  label_column: label",
                "  max_length: 64",
                "training:",
                "  output_dir: sentiment",
                "  num_train_epochs: " + epochs,
                "  per_device_train_batch_size: " + plan.batch(),
                "  per_device_eval_batch_size: 64",
                "  learning_rate: " + plan.lr(),
                "  weight_decay: 0.01",
                "  warmup_ratio: " + plan.warmup(),
                "  logging_steps: 10",
                "  eval_strategy: epoch",
                "  save_strategy: 'no'",
                "  seed: " + seed,
                "");
        Path f = out.resolve("recipe.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    /**
     * Before | after | difference of the last layer's head 0, and every head after, on the sample the run's
     * report shows (its attention before fine-tuning is saved in the run's folder); returns the largest change.
     */
    private static double heatmaps(Path after, Path compare, Path grid) throws IOException {
        try (Scope scope = Scope.open()) {
            AttentionMaps a = AttentionMaps.read(after.resolve(Report.ATTENTION_BEFORE));
            AttentionMaps b = AttentionMaps.compute(Pretrained.load(after, null, 0).model(), a.ids(), a.tokens());
            a.compare(b, "before fine-tuning", "after fine-tuning", -1, 0).write(compare);
            b.allHeads("after fine-tuning: every head of the last layer", -1).write(grid);
            return a.maxDifference(b);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = DemoCommand.class.getResourceAsStream("/demo/" + name);
        if (in == null) {
            throw new Finetune4jException("the demo's " + name + " is missing from the class path (a broken build?)");
        }
        return in;
    }

    /** Deletes what {@code dir} holds (the demo's own earlier output), keeping the folder. */
    private static void deleteContents(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
