package org.finetune4j.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.finetune4j.io.AtomicFile;

/**
 * Where a run reports: {@code metrics.jsonl} (one log_history entry per line, flushed at once),
 * and the console: a progress bar with rate and ETA on a terminal, plain lines otherwise.
 */
final class MetricsLog implements AutoCloseable {

    private final Writer jsonl;
    private final PrintStream console;
    private final ProgressBar bar;

    /**
     * Opens {@code file}, first rewriting it to hold exactly {@code history} (a resumed run's past);
     * a null file writes nothing (a data-parallel rank other than 0).
     */
    MetricsLog(Path file, List<ObjectNode> history, int totalSteps, int startStep, PrintStream console) throws IOException {
        this.console = console;
        if (file == null) {
            this.jsonl = Writer.nullWriter();
            this.bar = null;
            return;
        }
        StringBuilder lines = new StringBuilder();
        for (ObjectNode e : history) {
            lines.append(TrainerState.JSON.writeValueAsString(e)).append('\n');
        }
        AtomicFile.writeString(file, lines.toString());
        this.jsonl = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        this.bar = System.console() != null
                ? new ProgressBarBuilder().setTaskName("train").setInitialMax(totalSteps).startsFrom(startStep, java.time.Duration.ZERO)
                        .setStyle(ProgressBarStyle.ASCII).setUnit(" steps", 1).showSpeed().build()
                : null;
    }

    /** Records one event: appended to metrics.jsonl and shown. */
    void log(ObjectNode entry) throws IOException {
        jsonl.write(TrainerState.JSON.writeValueAsString(entry) + "\n");
        jsonl.flush();
        if (bar != null) {
            bar.setExtraMessage(entry.has("loss") ? String.format("loss %.4f", entry.get("loss").asDouble()) : "");
        }
        say(entry.toString());
    }

    /** A step finished. */
    void step(int globalStep) {
        if (bar != null) {
            bar.stepTo(globalStep);
        }
    }

    /** A line for the person watching (above the bar on a terminal). */
    void say(String line) {
        if (bar != null) {
            console.print("\r\033[K");
        }
        console.println(line);
    }

    @Override
    public void close() throws IOException {
        if (bar != null) {
            bar.close();
        }
        jsonl.close();
    }
}
