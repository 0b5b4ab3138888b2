package org.finetune4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;

/** Runs {@link Main} with stdout and stderr captured: the exit code and both outputs. */
record CliRun(int code, String out, String err) {

    static CliRun of(Object... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] argv = Arrays.stream(args).map(a -> a instanceof Path p ? p.toString() : a.toString()).toArray(String[]::new);
        int code;
        try (PrintWriter o = new PrintWriter(out, true); PrintWriter e = new PrintWriter(err, true)) {
            code = Main.run(o, e, argv);
        }
        return new CliRun(code, out.toString(), err.toString());
    }

    /** The lines stderr holds. */
    String[] errLines() {
        return err.lines().toArray(String[]::new);
    }
}
