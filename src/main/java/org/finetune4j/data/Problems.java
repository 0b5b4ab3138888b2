package org.finetune4j.data;

import java.nio.file.Path;
import org.finetune4j.Finetune4jException;

/** One-line error messages for data files: {@code FILE:LINE: what}, hostile text escaped and cut. */
final class Problems {

    private static final int MAX_SHOWN = 120;

    private Problems() {}

    /** The error {@code FILE:LINE: what}. */
    static Finetune4jException at(Path file, int line, String what) {
        return new Finetune4jException(file + ":" + line + ": " + what);
    }

    /** The error {@code FILE: what}, for problems of the whole file. */
    static Finetune4jException of(Path file, String what) {
        return new Finetune4jException(file + ": " + what);
    }

    /** {@code s} in single quotes, control characters escaped, cut after 120 characters. */
    static String quote(String s) {
        return "'" + printable(s) + "'";
    }

    /** {@code s} with control characters escaped as {@code \\uXXXX}, cut after 120 characters. */
    static String printable(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(s.length(), MAX_SHOWN); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return s.length() > MAX_SHOWN ? b + "..." : b.toString();
    }
}
