package org.finetune4j.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.finetune4j.io.WeightFiles;
import org.finetune4j.model.ModelConfig;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tokenize.SpecialTokens;
import org.finetune4j.tokenize.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code finetune4j inspect}: loads and checks a model folder, then describes it. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Load and check a model folder and describe it.",
                "Checks the config, every tensor's shape and the tokenizer, then prints",
                "its architecture, head, parameter counts, dtypes and tokenizer;",
                "with --load-in-8bit, which weights load_in_8bit holds as int8 and the memory they take."})
public final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "Hugging Face model folder, or a Hub id (org/name[@revision]).")
    Path dir;

    @Mixin
    HubOptions hub;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--load-in-8bit", description = "Load as load_in_8bit does and show which weights are int8 and their memory.")
    boolean loadIn8bit;

    @Override
    public Integer call() {
        dir = hub.model(dir);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        try (Scope scope = Scope.open()) {
            Pretrained.Loaded loaded = Pretrained.load(dir, ModelConfig.read(dir), null, 0, loadIn8bit);
            describeModel(loaded, o);
            describeStorage(loaded.model(), o);
            o.set("dtypes", JsonNodeFactory.instance.pojoNode(dtypes()));
        }
        describeTokenizer(o);
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? Json.pretty(o) : plain(o));
        out.flush();
        return 0;
    }

    private void describeModel(Pretrained.Loaded loaded, ObjectNode o) {
        TransformerModel m = loaded.model();
        ModelConfig c = m.config;
        o.put("model_type", c.common().modelType());
        o.put("class", m.className());
        o.put("head", m.head.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        o.put("layers", c.numLayers());
        o.put("hidden_size", c.hiddenSize());
        o.put("attention_heads", c.numHeads());
        o.put("vocab_size", c.vocabSize());
        o.put("num_labels", c.common().numLabels());
        long all = m.namedParameters().values().stream().mapToLong(Parameter::numel).sum();
        long trainable = m.namedParameters().values().stream().filter(Parameter::trainable).mapToLong(Parameter::numel).sum();
        o.put("num_parameters", all);
        o.put("num_trainable_parameters", trainable);
        o.put("trainable_line", trainableLine(trainable, all));
        o.set("newly_initialised", Json.MAPPER.valueToTree(loaded.report().newlyInitialised()));
        o.set("unexpected", Json.MAPPER.valueToTree(loaded.report().unexpected()));
        o.set("load_notes", Json.MAPPER.valueToTree(loaded.report().lines()));
    }

    /** How the parameters are held in memory: int8 (load_in_8bit) or float32, with counts and bytes. */
    private static void describeStorage(TransformerModel m, ObjectNode o) {
        ObjectNode w = o.putObject("weights");
        for (boolean q : new boolean[] {true, false}) {
            java.util.List<Parameter> ps = m.namedParameters().values().stream().filter(p -> p.quantized() == q).toList();
            ObjectNode e = w.putObject(q ? "int8" : "float32");
            e.put("tensors", ps.size());
            e.put("parameters", ps.stream().mapToLong(Parameter::numel).sum());
            e.put("bytes", org.finetune4j.model.Int8.bytes(ps));
        }
    }

    /** The line PEFT's print_trainable_parameters prints. */
    static String trainableLine(long trainable, long all) {
        return String.format("trainable params: %,d || all params: %,d || trainable%%: %.4f",
                trainable, all, all == 0 ? 0.0 : 100.0 * trainable / all);
    }

    private Map<String, Integer> dtypes() {
        Map<String, Integer> counts = new TreeMap<>();
        try (WeightFiles files = WeightFiles.open(dir)) {
            files.names().forEach(n -> counts.merge(files.info(n).dtype().name(), 1, Integer::sum));
        }
        return counts;
    }

    private void describeTokenizer(ObjectNode o) {
        if (!Tokenizer.present(dir)) {
            o.putNull("tokenizer");
            return;
        }
        try (Tokenizer tok = Tokenizer.load(dir)) {
            ObjectNode t = o.putObject("tokenizer");
            t.put("kind", tok.kind());
            t.put("vocab_size", tok.vocabSize());
            SpecialTokens s = tok.special();
            ObjectNode sp = t.putObject("special_token_ids");
            sp.put("pad", s.pad()).put("unk", s.unk()).put("bos", s.bos()).put("eos", s.eos())
                    .put("cls", s.cls()).put("sep", s.sep()).put("mask", s.mask());
            tok.checkIdsBelow(o.get("vocab_size").asInt());
        }
    }

    private static String plain(ObjectNode o) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("class       %s (%s, head %s)%n", o.get("class").asText(), o.get("model_type").asText(),
                o.get("head").asText()));
        b.append(String.format("shape       %d layers, hidden %d, %d attention heads, vocab %d, %d labels%n",
                o.get("layers").asInt(), o.get("hidden_size").asInt(), o.get("attention_heads").asInt(),
                o.get("vocab_size").asInt(), o.get("num_labels").asInt()));
        b.append(String.format("parameters  %s%n", o.get("trainable_line").asText()));
        b.append(String.format("dtypes      %s%n", o.get("dtypes").toString()));
        var w = o.get("weights");
        if (w.get("int8").get("tensors").asInt() > 0) {
            b.append(String.format("in memory   int8: %d tensors, %,d params, %.1f MiB || float32: %d tensors, %,d params, %.1f MiB%n",
                    w.at("/int8/tensors").asInt(), w.at("/int8/parameters").asLong(), w.at("/int8/bytes").asLong() / 1048576.0,
                    w.at("/float32/tensors").asInt(), w.at("/float32/parameters").asLong(), w.at("/float32/bytes").asLong() / 1048576.0));
        }
        o.get("load_notes").forEach(n -> b.append(n.asText()).append('\n'));
        if (o.get("tokenizer").isNull()) {
            b.append("tokenizer   none (no tokenizer.json, vocab.txt or vocab.json + merges.txt)");
        } else {
            var t = o.get("tokenizer");
            b.append(String.format("tokenizer   %s, %d tokens, special ids %s", t.get("kind").asText(),
                    t.get("vocab_size").asInt(), t.get("special_token_ids").toString()));
        }
        return b.toString();
    }
}
