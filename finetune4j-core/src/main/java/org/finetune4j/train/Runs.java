package org.finetune4j.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.AtomicFile;
import org.finetune4j.io.Text;

/** The output folder of a run: refusing to mix runs, finding the checkpoint to resume, writing results. */
public final class Runs {

    private Runs() {}

    /**
     * Makes output_dir ready and locks it for the run ({@link RunLock}; close it when the run ends): a
     * folder holding another run is refused unless overwrite_output_dir (then its checkpoints and
     * metrics.jsonl are removed) or the run resumes from it.
     */
    public static RunLock prepare(TrainingArguments args, PrintStream console) throws IOException {
        Path out = args.outputDir();
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new Finetune4jException(out + ": output_dir is a file, not a folder; choose another output_dir");
        }
        RunLock lock;
        try {
            Files.createDirectories(out);
            lock = RunLock.take(out, console);
        } catch (IOException e) {
            throw new Finetune4jException(out + ": cannot write output_dir (" + Text.reason(e) + ")", e);
        }
        try {
            if (args.resumeFromCheckpoint() == null && holdsRun(out)) {
                if (!args.overwriteOutputDir()) {
                    throw new Finetune4jException(out + ": already holds a run (metrics.jsonl, checkpoints or a model); "
                            + "set training.overwrite_output_dir: true, resume with training.resume_from_checkpoint: true, "
                            + "or choose another output_dir");
                }
                for (Path c : Checkpoints.list(out)) {
                    Checkpoints.deleteTree(c);
                }
                Files.deleteIfExists(out.resolve("metrics.jsonl"));
            }
            return lock;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static boolean holdsRun(Path out) throws IOException {
        if (!Files.isDirectory(out)) {
            return false;
        }
        try (Stream<Path> s = Files.list(out)) {
            return s.map(p -> p.getFileName().toString()).anyMatch(n -> n.equals("metrics.jsonl")
                    || n.equals("model.safetensors") || n.startsWith(Checkpoints.PREFIX));
        }
    }

    /** The latest complete checkpoint in {@code outputDir}, or null (also when it cannot be listed). */
    public static Path latestCheckpoint(Path outputDir) {
        try {
            List<Path> all = Checkpoints.list(outputDir);
            return all.isEmpty() ? null : all.get(all.size() - 1);
        } catch (IOException e) {
            return null;
        }
    }

    /** The checkpoint to resume from: null (none), the latest complete one, or the named folder. */
    static Path resumePoint(TrainingArguments args) throws IOException {
        String r = args.resumeFromCheckpoint();
        if (r == null) {
            return null;
        }
        if (r.equals("latest")) {
            List<Path> all = Checkpoints.list(args.outputDir());
            if (all.isEmpty()) {
                throw new Finetune4jException(args.outputDir() + ": no checkpoint to resume from");
            }
            return all.get(all.size() - 1);
        }
        Path p = Path.of(r);
        if (!Files.isRegularFile(p.resolve("trainer_state.json"))) {
            throw new Finetune4jException(p + ": not a checkpoint (no trainer_state.json)");
        }
        return p;
    }

    /** Writes a small JSON object atomically. */
    public static void writeJson(Path file, Map<String, ?> values) throws IOException {
        AtomicFile.write(file, out -> TrainerState.JSON.writerWithDefaultPrettyPrinter().writeValue(out, values));
    }
}
