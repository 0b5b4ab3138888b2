package org.finetune4j.convert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.finetune4j.Finetune4jException;

/**
 * Where an import writes: a hidden folder beside {@code --out} ({@code .NAME.import-RANDOM}) holds the
 * model being written ({@link #model}) and anything unpacked from archives ({@link #scratch}); only a
 * complete model is renamed to {@code --out}, and {@link #close} deletes the rest, so a failed import
 * leaves {@code --out} as it was.
 */
public final class OutputFolder implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path out;
    private final Path root;

    private OutputFolder(Path out, Path root) {
        this.out = out;
        this.root = root;
    }

    /** Checks that {@code out} is absent or an empty folder and makes the hidden working folder beside it. */
    public static OutputFolder create(Path out) {
        Path abs = out.toAbsolutePath().normalize();
        if (Files.isRegularFile(abs)) {
            throw new Finetune4jException(out + ": is a file; --out must be a new or empty folder");
        }
        if (Files.isDirectory(abs) && !isEmpty(abs)) {
            throw new Finetune4jException(out + ": exists and is not empty; choose a new folder for --out");
        }
        Path parent = abs.getParent();
        try {
            Files.createDirectories(parent);
            String random = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
            Path root = Files.createDirectory(parent.resolve("." + abs.getFileName() + ".import-" + random));
            Files.createDirectory(root.resolve("model"));
            Files.createDirectory(root.resolve("scratch"));
            return new OutputFolder(out, root);
        } catch (IOException e) {
            throw new Finetune4jException(out + ": cannot create a folder beside it (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }

    /** The folder the model files are written into. */
    public Path model() {
        return root.resolve("model");
    }

    /** A folder for files unpacked from archives; deleted with the rest. */
    public Path scratch() {
        return root.resolve("scratch");
    }

    /** Writes {@code node} as pretty JSON to {@code name} in the model folder. */
    void writeJson(String name, ObjectNode node) throws IOException {
        Files.writeString(model().resolve(name), JSON.writeValueAsString(node) + "\n");
    }

    /** Renames the finished model folder to {@code --out} (an empty folder there is replaced). */
    public void publish() {
        Path target = out.toAbsolutePath().normalize();
        try {
            if (Files.isDirectory(target)) {
                Files.delete(target); // empty, as checked; not empty now means someone wrote there meanwhile
            }
            Files.move(model(), target, StandardCopyOption.ATOMIC_MOVE);
        } catch (DirectoryNotEmptyException | FileAlreadyExistsException e) {
            throw new Finetune4jException(out + ": was written to while the import ran; nothing was changed there");
        } catch (IOException e) {
            throw new Finetune4jException(out + ": cannot move the imported model there (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Deletes the working folder and whatever is left in it. */
    @Override
    public void close() {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a leftover hidden .import folder beside --out; --out itself is untouched
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new Finetune4jException(dir + ": cannot list (" + e.getClass().getSimpleName() + ")");
        }
    }
}
