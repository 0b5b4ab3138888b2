package org.finetune4j.data;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The records of an RFC 4180 CSV stream: comma-separated fields, CRLF or LF between records,
 * {@code "}-quoted fields holding commas, newlines and {@code ""} for a quote. Like Python's csv
 * module, a quote inside an unquoted field is kept as text; blank lines between records are skipped.
 */
final class CsvRecords {

    private static final int NONE = -2;

    /** One record: the line it starts on, its fields, and why it is malformed (null when it is not). */
    record Record(int line, List<String> fields, String problem) {}

    private final Path file;
    private final Reader in;
    private int peeked = NONE;
    private int line = 1; // the line of the next char
    private String problem;

    CsvRecords(Path file, Reader in) {
        this.file = file;
        this.in = in;
    }

    /** The next record, or null at the end; a quote that never closes throws. */
    Record next() throws IOException {
        while (peek() == '\n' || peek() == '\r') {
            take();
        }
        if (peek() == -1) {
            return null;
        }
        int start = line;
        problem = null;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        while (true) {
            field.setLength(0);
            if (peek() == '"') {
                quoted(field, fields.size() + 1);
            }
            unquoted(field);
            fields.add(field.toString());
            int c = take();
            if (c == '\r' && peek() == '\n') {
                take();
            }
            if (c != ',') {
                return new Record(start, fields, problem);
            }
        }
    }

    /** Reads a quoted field up to its closing quote; text right after the quote makes the record bad. */
    private void quoted(StringBuilder field, int index) throws IOException {
        int opened = line;
        take();
        while (true) {
            int c = take();
            if (c == -1) {
                throw Problems.at(file, opened, "quoted field never closes (a \" without its closing \")");
            }
            if (c == '"') {
                if (peek() != '"') {
                    break;
                }
                take();
            }
            field.append((char) c);
        }
        int next = peek();
        if (next != ',' && next != '\n' && next != '\r' && next != -1 && problem == null) {
            problem = "text after the closing quote of field " + index
                    + " (quote the whole field and double the quotes inside it)";
        }
    }

    /** Appends chars up to the next comma, line end or end of file (not consumed). */
    private void unquoted(StringBuilder field) throws IOException {
        for (int c = peek(); c != ',' && c != '\n' && c != '\r' && c != -1; c = peek()) {
            field.append((char) take());
        }
    }

    private int peek() throws IOException {
        if (peeked == NONE) {
            peeked = in.read();
        }
        return peeked;
    }

    private int take() throws IOException {
        int c = peek();
        peeked = NONE;
        if (c == '\n') {
            line++;
        }
        return c;
    }
}
