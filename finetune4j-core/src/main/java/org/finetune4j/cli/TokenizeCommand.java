package org.finetune4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.finetune4j.tokenize.Encoding;
import org.finetune4j.tokenize.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code finetune4j tokenize MODEL_DIR TEXT}: the tokens and ids a model folder's tokenizer gives. */
@Command(
        name = "tokenize",
        mixinStandardHelpOptions = true,
        description = "Tokenize TEXT (and --pair) with the tokenizer of MODEL_DIR; print tokens and ids.")
public final class TokenizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "Folder with tokenizer.json, vocab.txt or vocab.json + merges.txt, or a Hub id.")
    Path modelDir;

    @Mixin
    HubOptions hub;

    @Parameters(index = "1", paramLabel = "TEXT", description = "Text to encode.")
    String text;

    @Option(names = "--pair", paramLabel = "TEXT", description = "Second text of a sentence pair.")
    String pair;

    @Option(names = "--max-length", paramLabel = "N", defaultValue = "0",
            description = "Truncate (longest first) and pad to N tokens; 0 = neither (default).")
    int maxLength;

    @Option(names = "--json", description = "Print JSON: tokens, input_ids, attention_mask, token_type_ids.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        modelDir = hub.model(modelDir);
        if (maxLength < 0) {
            throw new ParameterException(spec.commandLine(), "--max-length must be 0 or more, got " + maxLength);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Tokenizer tok = Tokenizer.load(modelDir)) {
            Encoding e;
            try {
                e = tok.encode(text, pair, maxLength, maxLength > 0);
            } catch (IllegalArgumentException ex) {
                throw new ParameterException(spec.commandLine(), "--max-length " + maxLength + ": " + ex.getMessage());
            }
            if (json) {
                out.println(toJson(e));
            } else {
                printTable(out, tok.kind(), e);
            }
        }
        out.flush();
        return 0;
    }

    private static String toJson(Encoding e) throws Exception {
        ObjectMapper mapper = org.finetune4j.io.Json.MAPPER;
        ObjectNode n = mapper.createObjectNode();
        n.set("tokens", mapper.valueToTree(e.tokens()));
        n.set("input_ids", mapper.valueToTree(e.ids()));
        n.set("attention_mask", mapper.valueToTree(e.attentionMask()));
        n.set("token_type_ids", mapper.valueToTree(e.typeIds()));
        return mapper.writeValueAsString(n);
    }

    private static String visible(String token) {
        return token.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }

    private static void printTable(PrintWriter out, String kind, Encoding e) {
        out.printf("%s, %d tokens%n", kind, e.length());
        out.printf("%5s %8s %4s %4s  %s%n", "pos", "id", "type", "mask", "token");
        for (int i = 0; i < e.length(); i++) {
            out.printf("%5d %8d %4d %4d  %s%n", i, e.ids()[i], e.typeIds()[i], e.attentionMask()[i], visible(e.tokens()[i]));
        }
    }
}
