package org.finetune4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.finetune4j.Fixtures;

/** Small sentiment files in the words the bert-seqcls fixture's vocabulary knows, and recipes over them. */
final class TrainerFixture {

    private static final String[] GOOD = {"good", "great", "nice", "happy", "fine", "better", "pleased", "warm", "sunny"};
    private static final String[] BAD = {"bad", "cold", "closed", "late", "lazy", "old", "short", "rare", "small"};
    private static final String[] FILL = {"the", "movie", "food", "coffee", "day", "park", "story", "music", "cafe", "room"};

    private TrainerFixture() {}

    /** A TSV with {@code rows} labelled sentences (label words "positive" / "negative"). */
    static Path tsv(Path dir, String name, int rows, long seed) throws IOException {
        Random rng = new Random(seed);
        List<String> lines = new ArrayList<>();
        lines.add("sentence\tlabel");
        for (int i = 0; i < rows; i++) {
            boolean pos = rng.nextBoolean();
            String[] words = pos ? GOOD : BAD;
            StringBuilder s = new StringBuilder();
            int n = 3 + rng.nextInt(8);
            for (int w = 0; w < n; w++) {
                s.append(w == 0 ? "" : " ").append(w % 3 == 1 ? words[rng.nextInt(words.length)] : FILL[rng.nextInt(FILL.length)]);
            }
            lines.add(s + "\t" + (pos ? "positive" : "negative"));
        }
        Path f = dir.resolve(name);
        Files.write(f, lines);
        return f;
    }

    /** A recipe fine-tuning the bert-seqcls fixture on {@code train} / {@code dev}, with extra training lines. */
    static Path recipe(Path dir, Path train, Path dev, String... training) throws IOException {
        StringBuilder y = new StringBuilder();
        y.append("model:\n  path: ").append(Fixtures.dir("bert-seqcls")).append('\n');
        y.append("task: sequence-classification\n");
        y.append("data:\n  train: ").append(train).append('\n');
        if (dev != null) {
            y.append("  validation: ").append(dev).append('\n');
        }
        y.append("  text_column: sentence\n  label_column: label\n  max_length: 16\n");
        y.append("training:\n  output_dir: ").append(dir.resolve("out")).append('\n');
        y.append("  per_device_train_batch_size: 4\n  learning_rate: 1.0e-3\n  logging_steps: 1\n  seed: 7\n");
        for (String t : training) {
            y.append("  ").append(t).append('\n');
        }
        Path f = dir.resolve("recipe.yaml");
        Files.writeString(f, y.toString());
        return f;
    }
}
