package org.finetune4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import org.finetune4j.Finetune4jException;
import org.finetune4j.generate.Greedy;
import org.finetune4j.model.Head;
import org.finetune4j.model.ModelConfig;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.peft.Adapters;
import org.finetune4j.tokenize.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code finetune4j generate}: greedy continuation of a prompt by a causal LM folder. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continue a prompt with a causal language model (greedy decoding).",
                "An empty prompt starts from the BOS token alone; decoding stops at EOS or after N tokens."})
public final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Causal LM model folder with a tokenizer, or a Hub id.")
    Path model;

    @Mixin
    HubOptions hub;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A PEFT LoRA adapter folder put on the model (task CAUSAL_LM).")
    Path adapter;

    @Option(names = "--prompt", defaultValue = "", paramLabel = "TEXT", description = "Prompt text (default: empty).")
    String prompt;

    @Option(names = "--max-new-tokens", defaultValue = "50", paramLabel = "N", description = "Tokens to generate (default 50).")
    int maxNewTokens;

    @Option(names = "--json", description = "Print {\"prompt_ids\", \"generated_ids\", \"text\"}.")
    boolean json;

    @Mixin
    Threads threads;

    @Override
    public Integer call() {
        threads.apply();
        model = hub.model(model);
        if (maxNewTokens < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-new-tokens must be 0 or more");
        }
        ModelConfig config = ModelConfig.read(model);
        try (Tokenizer tok = Tokenizer.load(model); NDManager manager = NDManager.newBaseManager()) {
            long bos = firstKnown(tok.special().bos(), config.common().bosTokenId(), config.common().eosTokenId());
            long eos = firstKnown(generationEos(), tok.special().eos(), config.common().eosTokenId());
            long[] promptIds = prompt.isEmpty() ? new long[] {bos} : tok.encode(prompt, null, 0, false).ids();
            if (bos < 0 && promptIds.length == 0) {
                throw new Finetune4jException(model + ": an empty prompt needs a BOS token, and the model has none");
            }
            if (promptIds.length + (long) maxNewTokens > config.maxPositions()) {
                throw new Finetune4jException(model + ": " + promptIds.length + " prompt tokens + " + maxNewTokens
                        + " new ones exceed the model's " + config.maxPositions() + " positions");
            }
            TransformerModel m = adapter == null ? Pretrained.load(model, Head.CAUSAL_LM, manager, 0).model()
                    : Adapters.loadWithBase(model, adapter, Head.CAUSAL_LM, manager, 0, false);
            List<Long> generated = Greedy.generate(m, promptIds, maxNewTokens, eos, manager);
            long[] all = LongStream.concat(LongStream.of(promptIds), generated.stream().mapToLong(Long::longValue)).toArray();
            print(promptIds, generated, tok.decode(all, true));
        }
        return 0;
    }

    private void print(long[] promptIds, List<Long> generated, String text) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.set("prompt_ids", Json.MAPPER.valueToTree(promptIds));
            o.set("generated_ids", Json.MAPPER.valueToTree(generated));
            o.put("text", text);
            out.println(Json.pretty(o));
        } else {
            out.println(text);
        }
        out.flush();
    }

    /** eos_token_id of generation_config.json, or -1. */
    private long generationEos() {
        Path f = model.resolve("generation_config.json");
        if (!Files.isRegularFile(f)) {
            return -1;
        }
        var n = Json.read(f).get("eos_token_id");
        if (n != null && n.isArray() && n.size() > 0) {
            n = n.get(0);
        }
        return n != null && n.canConvertToLong() ? n.asLong() : -1;
    }

    private static long firstKnown(Number... ids) {
        for (Number id : ids) {
            if (id != null && id.longValue() >= 0) {
                return id.longValue();
            }
        }
        return -1;
    }
}
