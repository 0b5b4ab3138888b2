package org.finetune4j.viz;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Fixtures;
import org.finetune4j.cli.Main;

/** A tiny real training run (the fixtures' BERT, 6 steps, evaluated twice) whose folder holds a report. */
final class ReportFixture {

    private ReportFixture() {}

    static final String[] TRAIN = {"sentence\tlabel", "a good movie\tpositive", "the bad coffee\tnegative",
        "nice and warm\tpositive", "cold and late\tnegative", "great music\tpositive", "the old room\tnegative",
        "a lovely warm day\tpositive", "a sad and cold night\tnegative"};

    static Path trainedRun(Path out) throws IOException {
        Path base = out.resolveSibling(out.getFileName() + "-inputs");
        Files.createDirectories(base);
        Path train = Files.write(base.resolve("train.tsv"), List.of(TRAIN));
        Path dev = Files.write(base.resolve("dev.tsv"), List.of("sentence\tlabel", "good food and a nice movie\tpositive",
                "bad day\tnegative", "warm music\tpositive"));
        Path recipe = base.resolve("recipe.yaml");
        Files.writeString(recipe, String.join("\n",
                "# a test run", "model:", "  path: " + Fixtures.dir("bert-seqcls"),
                "data:", "  train: " + train, "  validation: " + dev, "  text_column: sentence",
                "training:", "  output_dir: " + out, "  max_steps: 6", "  per_device_train_batch_size: 2",
                "  learning_rate: 1.0e-2", "  logging_steps: 1", "  save_strategy: 'no'", "  eval_strategy: steps", "  eval_steps: 3", ""));
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.run(new PrintWriter(o, true), new PrintWriter(e, true), "train", recipe.toString());
        if (code != 0) {
            throw new IllegalStateException("training failed: " + e);
        }
        return out;
    }
}
