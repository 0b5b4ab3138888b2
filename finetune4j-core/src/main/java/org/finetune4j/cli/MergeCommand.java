package org.finetune4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.finetune4j.Finetune4jException;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.peft.Adapters;
import org.finetune4j.peft.LoraModel;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tokenize.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code finetune4j merge}: a base model plus a LoRA adapter, written as one plain Hugging Face model folder. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Merge a LoRA adapter into its base model and write a plain Hugging Face model folder.",
                "Each adapted weight becomes W + scaling * B A (transposed for GPT-2's Conv1D); the modules the adapter saved",
                "(a classifier head) replace the base's. The folder gets config.json, model.safetensors and the base's tokenizer files."})
public final class MergeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--base", required = true, paramLabel = "DIR", description = "The base model folder the adapter was trained on.")
    Path base;

    @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "PEFT adapter folder (adapter_config.json + adapter_model.safetensors).")
    Path adapter;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created; must not hold a model already).")
    Path out;

    @Option(names = "--dtype", paramLabel = "DTYPE",
            description = "Weights' dtype: float32, bfloat16 or float16 (default: the base's).")
    String dtype;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws IOException {
        threads.apply();
        DType type = dtype == null ? null : Dtypes.parse(spec, dtype);
        if (Files.isRegularFile(out.resolve("model.safetensors")) || Files.isRegularFile(out.resolve("config.json"))) {
            throw new Finetune4jException(out + ": already holds a model; choose an empty or new folder");
        }
        if (out.toAbsolutePath().normalize().equals(base.toAbsolutePath().normalize())) {
            throw new Finetune4jException(out + ": is the base folder; merging writes a new folder");
        }
        try (Scope scope = Scope.open()) {
            TransformerModel model = Adapters.loadWithBase(base, adapter, null, 0, false);
            int layers = LoraModel.adapted(model).size();
            LoraModel.mergeAndUnload(model);
            Path tmp = out.resolveSibling(out.getFileName() + ".tmp-merge");
            deleteTree(tmp);
            Pretrained.save(model, tmp, type);
            Tokenizer.copyFiles(base, tmp);
            if (Files.isRegularFile(base.resolve("generation_config.json"))) {
                Files.copy(base.resolve("generation_config.json"), tmp.resolve("generation_config.json"));
            }
            if (Files.isDirectory(out)) {
                try (var s = Files.list(tmp)) {
                    for (Path p : s.toList()) {
                        Files.move(p, out.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                Files.delete(tmp);
            } else {
                Files.move(tmp, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            spec.commandLine().getOut().printf("merged %d LoRA layers of %s into %s (%s)%n", layers, adapter, out, model.className());
        }
        spec.commandLine().getOut().flush();
        return 0;
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
