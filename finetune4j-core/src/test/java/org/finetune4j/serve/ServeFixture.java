package org.finetune4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.finetune4j.Fixtures;
import org.finetune4j.cli.Main;

/**
 * The model the server tests serve: a random Llama of stories260K's shape (5 layers, hidden 64, 8
 * heads, 4 key/value heads, 512 positions, tied embeddings), made once per test run by
 * {@code finetune4j init} from {@code serve/stories260k-shaped.json} with the fixtures' byte-level BPE
 * tokenizer (so its vocabulary is that tokenizer's 394 tokens, not stories260K's 512, and
 * initializer_range is the fixtures' 0.1). Nothing of the real stories260K is used.
 */
final class ServeFixture {

    static final String ID = "stories260k-shaped";
    private static Path model;

    private ServeFixture() {}

    static synchronized Path model() {
        if (model == null) {
            try {
                Path parent = Files.createTempDirectory("serve-fixture");
                Path out = parent.resolve(ID);
                String config = Path.of(ServeFixture.class.getResource("/serve/stories260k-shaped.json").toURI()).toString();
                CliResult r = cli("init", "--config", config, "--tokenizer", Fixtures.dir("gpt2-lm").toString(),
                        "--out", out.toString(), "--seed", "7");
                assertThat(r.code()).as(r.err()).isZero();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(parent)));
                model = out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return model;
    }

    /** A server on a free port of 127.0.0.1 with the chatml template. */
    static ApiServer start(ServerSettings s) {
        return ApiServer.start(ID, model(), List.of(), "chatml", s);
    }

    static ServerSettings settings() {
        return ServerSettings.defaults("127.0.0.1", 0);
    }

    record CliResult(int code, String out, String err) {}

    /** Runs the CLI in this JVM. */
    static CliResult cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter o = new PrintWriter(out, true); PrintWriter e = new PrintWriter(err, true)) {
            code = Main.run(o, e, args);
        }
        return new CliResult(code, out.toString(), err.toString());
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder: nothing to do
        }
    }
}
