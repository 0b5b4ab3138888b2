package org.finetune4j.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.finetune4j.Finetune4jException;

/** Helpers that keep error messages on one line, whatever a hostile file puts in its names. */
public final class Text {

    private static final int MAX_SHOWN = 200;

    private Text() {}

    /** {@code s} in single quotes, control characters escaped, cut after 200 characters. */
    public static String quote(String s) {
        return "'" + printable(s) + "'";
    }

    /** {@code s} with control characters escaped as hex, cut after 200 characters. */
    public static String printable(String s) {
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

    /** The path as given, printable, as the start of an error message. */
    static String where(Path file) {
        return printable(file.toString());
    }

    /** A shape as "[10, 4]". */
    static String shape(long[] shape) {
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    /** An IOException as one line: its kind and message. */
    static String describe(IOException e) {
        String kind = e.getClass().getSimpleName();
        return e.getMessage() == null ? kind : kind + ": " + printable(e.getMessage());
    }

    /** What went wrong with a file, in words ("permission denied", "read-only file system"), without the path. */
    public static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        } else if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file or folder";
        } else if (e instanceof java.nio.file.FileAlreadyExistsException) {
            return "it already exists";
        } else if (e instanceof java.nio.file.NotDirectoryException) {
            return "not a folder";
        } else if (e instanceof java.nio.file.DirectoryNotEmptyException) {
            return "the folder is not empty";
        } else if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return printable(f.getReason().toLowerCase(java.util.Locale.ROOT));
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : printable(e.getMessage());
    }

    /** An I/O failure as one line: the file it concerns, then {@link #reason}. */
    public static String inWords(IOException e) {
        String file = e instanceof java.nio.file.FileSystemException f && f.getFile() != null ? f.getFile() : null;
        return file == null ? reason(e) : printable(file) + ": " + reason(e);
    }

    /** The error for {@code message}, which must already name the file. */
    static Finetune4jException error(String message) {
        return new Finetune4jException(message);
    }
}
