package org.finetune4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.finetune4j.Finetune4jException;
import org.finetune4j.model.Head;
import org.finetune4j.model.Initializer;
import org.finetune4j.model.ModelConfig;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tokenize.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code finetune4j init}: a randomly initialised model folder, by Transformers' rules. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Write a randomly initialised model folder from a config.json.",
                "Transformers' rules (normal(initializer_range) weights, zero biases, unit norms), optionally with a tokenizer."})
public final class InitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "CONFIG.json", description = "A Transformers config.json.")
    Path config;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The folder to create (must not exist or be empty).")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the initialisation (default 0).")
    long seed;

    @Option(names = "--head", paramLabel = "HEAD",
            description = "Head to build (default: the config's architectures, else base), e.g. sequence-classification.")
    String head;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "Copy this folder's tokenizer files (checked first).")
    Path tokenizer;

    @Option(names = "--dtype", paramLabel = "DTYPE",
            description = "Weights' dtype: float32, bfloat16 or float16 (default: the config's dtype, else float32); written into config.json.")
    String dtype;

    @Override
    public Integer call() throws IOException {
        ModelConfig c = ModelConfig.read(config);
        DType type = dtype == null ? null : Dtypes.parse(spec, dtype);
        TransformerModel model = create(c);
        checkOut();
        if (tokenizer != null) {
            Tokenizer.load(tokenizer).close();
        }
        Path tmp = Files.createTempDirectory(out.toAbsolutePath().getParent(), ".init-");
        try (Scope scope = Scope.open()) {
            Initializer.initialiseMissing(model, seed);
            Pretrained.save(model, tmp, type != null ? type : c.common().dtype() != null ? c.common().dtype() : DType.F32);
            copyTokenizer(tmp);
            Files.deleteIfExists(out);
            Files.move(tmp, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(tmp);
        }
        long params = model.namedParameters().values().stream().mapToLong(p -> p.numel()).sum();
        spec.commandLine().getOut().printf("wrote %s: %s, %,d parameters, seed %d%n", out, model.className(), params, seed);
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The module tree for --head, else the config's architectures; errors name the config file. */
    private TransformerModel create(ModelConfig c) {
        Head h;
        try {
            h = head != null ? Head.parse(head) : null;
        } catch (Finetune4jException e) {
            throw new ParameterException(spec.commandLine(), "--head: " + e.getMessage());
        }
        try {
            return TransformerModel.create(c, h != null ? h : Head.of(c));
        } catch (Finetune4jException e) {
            throw new Finetune4jException(config + ": " + e.getMessage(), e);
        }
    }

    private void checkOut() throws IOException {
        if (Files.exists(out) && !(Files.isDirectory(out) && isEmpty(out))) {
            throw new Finetune4jException(out + ": already exists and is not an empty folder");
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private void copyTokenizer(Path dir) throws IOException {
        if (tokenizer != null) {
            Tokenizer.copyFiles(tokenizer, dir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
