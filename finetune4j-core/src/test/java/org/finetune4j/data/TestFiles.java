package org.finetune4j.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small data files for the tests. */
final class TestFiles {

    private TestFiles() {}

    /** Writes {@code text} as UTF-8 to {@code dir/name}. */
    static Path write(Path dir, String name, String text) {
        return write(dir, name, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes raw {@code bytes} to {@code dir/name}. */
    static Path write(Path dir, String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
