package org.finetune4j.data;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Unlabelled text for the language-modelling objectives, as documents of texts with the place
 * each text came from. Sources: a plain-text file (one text a line; a blank line ends a document,
 * as in BERT's pretraining corpora), a folder of {@code .txt} files (in name order, each file at
 * least one document), or the text column of a table file ({@code .jsonl}, {@code .json},
 * {@code .csv}, {@code .tsv}; each row one document of one text). Blank texts are dropped, as
 * run_mlm's {@code line_by_line} drops empty lines; a row without the column, or with a value that
 * is not text, is an error naming the file and line; a source with no text at all is an error.
 */
public final class TextSource {

    /** One text and where it came from ({@code file:line}). */
    public record Text(Path file, int line, String text) {
        public String where() {
            return file + ":" + line;
        }
    }

    private TextSource() {}

    /** The documents of {@code path}; {@code textColumn} is used for table files. */
    public static List<List<Text>> documents(Path path, String textColumn) {
        if (!Files.exists(path)) {
            throw Problems.of(path, "not found");
        }
        List<List<Text>> docs = new ArrayList<>();
        if (Files.isDirectory(path)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(path)) {
                files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".txt"))
                        .filter(Files::isRegularFile).sorted().toList();
            } catch (IOException e) {
                throw Problems.of(path, "cannot list the folder (" + e.getClass().getSimpleName() + ")");
            }
            if (files.isEmpty()) {
                throw Problems.of(path, "the folder has no .txt files");
            }
            for (Path f : files) {
                docs.addAll(plain(f));
            }
        } else if (isPlain(path)) {
            docs.addAll(plain(path));
        } else {
            docs.addAll(table(path, textColumn));
        }
        if (docs.isEmpty()) {
            throw Problems.of(path, "no text (every line or record is empty)");
        }
        return docs;
    }

    /** All texts of {@code path} in order, one example each (line by line). */
    public static List<Text> texts(Path path, String textColumn) {
        return documents(path, textColumn).stream().flatMap(List::stream).toList();
    }

    static boolean isPlain(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".txt") || name.endsWith(".text") || name.endsWith(".raw") || !name.contains(".");
    }

    private static List<List<Text>> plain(Path file) {
        String content;
        try {
            content = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw Problems.of(file, "not valid UTF-8 text");
        } catch (IOException e) {
            throw Problems.of(file, "cannot read (" + e.getClass().getSimpleName() + ")");
        }
        if (content.startsWith("\uFEFF")) {
            content = content.substring(1);
        }
        List<List<Text>> docs = new ArrayList<>();
        List<Text> doc = new ArrayList<>();
        String[] lines = content.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                if (!doc.isEmpty()) {
                    docs.add(doc);
                    doc = new ArrayList<>();
                }
            } else {
                doc.add(new Text(file, i + 1, line));
            }
        }
        if (!doc.isEmpty()) {
            docs.add(doc);
        }
        return docs;
    }

    private static List<List<Text>> table(Path file, String column) {
        List<List<Text>> docs = new ArrayList<>();
        TableFormat.of(file).read(file, new RowSink() {
            @Override
            public void row(Row row) {
                if (!row.has(column)) {
                    throw Problems.at(file, row.line(), "record has no '" + column + "' field (data.text_column)");
                }
                String t = row.get(column);
                if (t == null) {
                    throw Problems.at(file, row.line(), "field '" + column + "' is not text");
                }
                if (!t.isBlank()) {
                    docs.add(List.of(new Text(file, row.line(), t.strip())));
                }
            }

            @Override
            public void bad(int line, String reason) {
                throw Problems.at(file, line, reason);
            }
        });
        return docs;
    }
}
