package org.finetune4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A strict UTF-8 reader of a file: bytes that are not UTF-8 throw a {@code Finetune4jException}
 * naming the file and the line ({@code '\n'}-counted) that holds them; a leading BOM is dropped.
 */
final class Utf8Reader extends Reader {

    private static final int BUFFER = 1 << 16;

    private final Path file;
    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer bytes = ByteBuffer.allocate(BUFFER).flip(); // read mode
    private final CharBuffer chars = CharBuffer.allocate(BUFFER).flip(); // read mode
    private int newlines; // '\n' in the chars decoded before the current chunk
    private boolean eof;
    private boolean flushed;
    private boolean first = true;

    private Utf8Reader(Path file, InputStream in) {
        this.file = file;
        this.in = in;
    }

    /** Opens {@code file}; a missing or unreadable file is a {@code Finetune4jException}. */
    static Utf8Reader open(Path file) {
        try {
            return new Utf8Reader(file, Files.newInputStream(file));
        } catch (NoSuchFileException e) {
            throw Problems.of(file, "no such file");
        } catch (IOException e) {
            throw Problems.of(file, "cannot read: " + describe(e));
        }
    }

    /** An IOException as one line: its kind and message. */
    static String describe(IOException e) {
        String kind = e.getClass().getSimpleName();
        return e.getMessage() == null ? kind : kind + ": " + org.finetune4j.io.Text.printable(e.getMessage());
    }

    @Override
    public int read(char[] out, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!chars.hasRemaining() && !decodeMore()) {
            return -1;
        }
        int n = Math.min(len, chars.remaining());
        chars.get(out, off, n);
        return n;
    }

    /** Decodes the next chunk of chars; false at the end of the file. */
    private boolean decodeMore() throws IOException {
        if (flushed) {
            return false;
        }
        newlines += count(chars, 0, chars.limit());
        chars.clear();
        while (chars.position() == 0) {
            CoderResult r = decoder.decode(bytes, chars, eof);
            if (r.isError()) {
                throw notUtf8(r);
            }
            if (r.isUnderflow()) {
                if (eof) {
                    decoder.flush(chars);
                    flushed = true;
                    break;
                }
                fill();
            }
        }
        chars.flip();
        if (first && chars.hasRemaining()) {
            first = false;
            if (chars.get(0) == '\uFEFF') {
                chars.get();
            }
        }
        return chars.hasRemaining();
    }

    /** Reads more bytes after the ones not yet decoded. */
    private void fill() throws IOException {
        bytes.compact();
        int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
        if (n < 0) {
            eof = true;
        } else {
            bytes.position(bytes.position() + n);
        }
        bytes.flip();
    }

    private RuntimeException notUtf8(CoderResult r) {
        int line = newlines + count(chars, 0, chars.position()) + 1;
        String what = bytes.hasRemaining()
                ? String.format("byte 0x%02X", bytes.get(bytes.position()) & 0xff)
                : "a truncated sequence at the end";
        return Problems.at(file, line, "not valid UTF-8 (" + what + "); save the file as UTF-8");
    }

    private static int count(CharBuffer b, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            if (b.get(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
