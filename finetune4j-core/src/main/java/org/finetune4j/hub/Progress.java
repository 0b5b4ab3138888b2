package org.finetune4j.hub;

import java.io.PrintStream;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Reports downloads: a progress bar with size and rate on a terminal, nothing otherwise. */
public interface Progress {

    /** One file's transfer: {@code total} bytes (-1 unknown), {@code done} of them already on disk. */
    Bar start(String name, long total, long done);

    /** A running transfer. */
    interface Bar extends AutoCloseable {
        void advance(long bytes);

        @Override
        void close();
    }

    /** No output. */
    Progress NONE = (name, total, done) -> new Bar() {
        @Override
        public void advance(long bytes) {}

        @Override
        public void close() {}
    };

    /** A bar on {@code err} (MiB, MiB/s) when the process has a terminal, else {@link #NONE}. */
    static Progress terminal(PrintStream err) {
        if (System.console() == null) {
            return NONE;
        }
        return (name, total, done) -> {
            ProgressBar bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(Math.max(total, 0))
                    .startsFrom(done, Duration.ZERO).setStyle(ProgressBarStyle.ASCII).setUnit(" MiB", 1 << 20)
                    .showSpeed().setConsumer(new ConsoleProgressBarConsumer(err)).build();
            return new Bar() {
                @Override
                public void advance(long bytes) {
                    bar.stepBy(bytes);
                }

                @Override
                public void close() {
                    bar.close();
                }
            };
        };
    }
}
