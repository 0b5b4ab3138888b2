package org.finetune4j.convert;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;

/**
 * Where an ONNX export's files are: the {@code .onnx} model, its {@code tokenizer.json} (null when none
 * is found) and how errors name the model ({@code label}: the file, or {@code JAR!/ENTRY}). A zip or jar
 * (langchain4j's embedding models) must hold one {@code .onnx} entry; its {@code *tokenizer.json} entry
 * is taken unless {@code --tokenizer} names one.
 */
record OnnxSource(Path model, Path tokenizer, String label, String tokenizerLabel) {

    static OnnxSource locate(Path source, Path tokenizer, Path scratch) {
        if (tokenizer != null && !Files.isRegularFile(tokenizer)) {
            throw new Finetune4jException(tokenizer + ": no such file");
        }
        if (Files.isDirectory(source)) {
            throw new Finetune4jException(source + ": is a folder; give the .onnx file or the jar that holds it");
        }
        if (!Files.exists(source)) {
            throw new Finetune4jException(source + ": no such file");
        }
        if (Archives.isZip(source)) {
            return inArchive(source, tokenizer, scratch);
        }
        Path tok = tokenizer != null ? tokenizer : beside(source);
        return new OnnxSource(source, tok, source.toString(), tok == null ? null : tok.toString());
    }

    private static OnnxSource inArchive(Path zip, Path tokenizer, Path scratch) {
        List<String> names = Archives.names(zip);
        String model = only(zip, names.stream().filter(n -> n.endsWith(".onnx")).toList(), ".onnx model");
        Path into = scratch.resolve("unpacked");
        Archives.extract(zip, model::equals, into);
        Path tok = tokenizer;
        String tokLabel = tokenizer == null ? null : tokenizer.toString();
        List<String> toks = names.stream().filter(n -> n.endsWith("tokenizer.json")).toList();
        if (tok == null && toks.size() == 1) {
            Archives.extract(zip, toks.get(0)::equals, into);
            tok = into.resolve(toks.get(0));
            tokLabel = zip + "!/" + toks.get(0);
        }
        return new OnnxSource(into.resolve(model), tok, zip + "!/" + model, tokLabel);
    }

    private static String only(Path zip, List<String> found, String what) {
        if (found.size() != 1) {
            throw new Finetune4jException(zip + ": holds " + found.size() + " " + what + " entries"
                    + (found.isEmpty() ? "" : " (" + String.join(", ", found) + ")") + "; import needs exactly one");
        }
        return found.get(0);
    }

    /** tokenizer.json or NAME-tokenizer.json beside {@code model}, or null. */
    private static Path beside(Path model) {
        Path dir = model.toAbsolutePath().getParent();
        String stem = model.getFileName().toString().replaceFirst("\\.onnx$", "");
        for (Path p : new Path[] {dir.resolve(stem + "-tokenizer.json"), dir.resolve("tokenizer.json")}) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }
}
