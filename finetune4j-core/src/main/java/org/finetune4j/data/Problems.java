package org.finetune4j.data;

import java.nio.file.Path;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.Text;

/** One-line error messages for data files: {@code FILE:LINE: what}, hostile text escaped and cut. */
final class Problems {

    private Problems() {}

    /** The error {@code FILE:LINE: what}. */
    static Finetune4jException at(Path file, int line, String what) {
        return new Finetune4jException(file + ":" + line + ": " + what);
    }

    /** The error {@code FILE: what}, for problems of the whole file. */
    static Finetune4jException of(Path file, String what) {
        return new Finetune4jException(file + ": " + what);
    }

    /** {@code s} in single quotes, control characters escaped, cut (see {@link Text#quote}). */
    static String quote(String s) {
        return Text.quote(s);
    }
}
