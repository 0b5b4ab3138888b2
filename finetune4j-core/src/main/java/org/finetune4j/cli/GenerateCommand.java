package org.finetune4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.InstructionTemplate;
import org.finetune4j.generate.CausalLm;
import org.finetune4j.generate.Generator;
import org.finetune4j.generate.Sampling;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tokenize.ChatTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code finetune4j generate}: continue prompts with a causal LM folder, greedy or sampled, with a KV cache. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continue a prompt with a causal language model (GPT-2, OPT, Llama family).",
                "Greedy by default; --temperature, --top-k or --top-p turn sampling on (temperature 0 means greedy).",
                "Several --prompt options decode as one left-padded batch.",
                "A row stops at EOS (generation_config.json's, else the tokenizer's), at a --stop string or after N tokens.",
                "One prompt without --json streams its text as the tokens come."})
public final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Causal LM model folder with a tokenizer, or a Hub id.")
    Path model;

    @Mixin
    HubOptions hub;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A PEFT LoRA adapter folder put on the model (task CAUSAL_LM).")
    Path adapter;

    @Option(names = "--prompt", paramLabel = "TEXT",
            description = "Prompt text; repeat for a batch (default: one empty prompt, which starts from BOS).")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--chat", description = "Render each prompt as a user message with the model's chat template "
            + "(chat_template.jinja or tokenizer_config.json), generation prompt added, as apply_chat_template does.")
    boolean chat;

    @Option(names = "--chat-template", paramLabel = "NAME",
            description = "Like --chat with a built-in template instead: ${COMPLETION-CANDIDATES}.",
            completionCandidates = BuiltInTemplates.class)
    String chatTemplate;

    @Option(names = "--template", paramLabel = "NAME", description = "Format each prompt as an instruction-tuning recipe's"
            + " data.template did: alpaca (the Stanford Alpaca prompt), raw, model (the chat template) or a built-in chat template.")
    String template;

    /** The names of the built-in chat templates, for --help. */
    static final class BuiltInTemplates implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ChatTemplate.BUILT_IN.keySet().iterator();
        }
    }

    @Option(names = "--max-new-tokens", defaultValue = "50", paramLabel = "N", description = "Tokens to generate (default 50).")
    int maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature (> 0 samples; 0 is greedy).")
    Double temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "Sample among the K most likely tokens (0: off).")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P", description = "Sample from the smallest set of tokens whose probability reaches P.")
    Double topP;

    @Option(names = "--repetition-penalty", defaultValue = "1.0", paramLabel = "R",
            description = "Divide positive logits of tokens already seen by R, multiply negative ones (default 1.0: off).")
    double repetitionPenalty;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of the sampler (default 0).")
    long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop a row once its new text contains TEXT (repeatable).")
    List<String> stops = new ArrayList<>();

    @Option(names = "--no-cache", description = "Run the whole sequence every step instead of using the KV cache.")
    boolean noCache;

    @Option(names = "--json", description = "Print {\"prompt_ids\", \"generated_ids\", \"text\", ...} (an array for several prompts).")
    boolean json;

    @Option(names = "--timing", description = "Print the decoding speed (tokens/s) to stderr.")
    boolean timing;

    @Mixin
    PrecisionOption precision;

    @Mixin
    ThreadsOption threads;

    @Mixin
    DeviceOption device;

    @Override
    public Integer call() {
        try (Autograd.Guard cast = precision.enter()) {
            return run();
        }
    }

    private Integer run() {
        threads.apply();
        device.apply();
        model = hub.model(model);
        Sampling sampling = sampling();
        if (prompts.isEmpty()) {
            prompts.add("");
        }
        try (CausalLm lm = CausalLm.load(model, adapter)) {
            InstructionTemplate format = format(lm.tokenizer);
            List<long[]> ids = new ArrayList<>();
            for (String p : prompts) {
                if (format != null) { // a chat template writes its own special tokens, as apply_chat_template(tokenize=True)
                    String text = render(format, p);
                    ids.add(format.specials() ? lm.tokenizer.encode(text, null, 0, false).ids() : lm.tokenizer.encodeWithSpans(text, false).ids());
                } else {
                    ids.add(lm.encode(p));
                }
            }
            int longest = ids.stream().mapToInt(a -> a.length).max().orElse(0);
            if (longest + (long) maxNewTokens > lm.positions()) {
                throw new Finetune4jException(model + ": " + longest + " prompt tokens + " + maxNewTokens
                        + " new ones exceed the model's " + lm.positions() + " positions");
            }
            if (lm.pad < 0 && ids.stream().mapToInt(a -> a.length).distinct().count() > 1) {
                throw new Finetune4jException(model + ": prompts of different lengths need a pad or EOS token to pad with");
            }
            Generator.Settings s = new Generator.Settings(maxNewTokens, sampling, seed, lm.eos, stops, !noCache);
            boolean stream = ids.size() == 1 && !json;
            Stream out = stream ? new Stream(lm, ids.get(0), spec.commandLine().getOut()) : null;
            long t0 = System.nanoTime();
            List<long[]> generated = lm.generate(ids, s, out == null ? null : (step, logits, next) -> out.add(next[0]));
            double seconds = (System.nanoTime() - t0) / 1e9;
            long count = generated.stream().mapToLong(g -> g.length).sum();
            double rate = Math.round(count / Math.max(seconds, 1e-9) * 100) / 100.0;
            if (out != null) {
                out.finish();
            } else {
                print(lm.tokenizer, ids, generated, rate);
            }
            if (timing) {
                spec.commandLine().getErr().printf("generated %d tokens in %.3f s: %.2f tokens/s (KV cache %s)%n",
                        count, seconds, rate, noCache ? "off" : "on");
                spec.commandLine().getErr().flush();
            }
        }
        return 0;
    }

    private Sampling sampling() {
        if (maxNewTokens < 0) {
            throw new ParameterException(spec.commandLine(), "--max-new-tokens must be 0 or more");
        }
        boolean sample = temperature != null || topK != null || topP != null;
        double t = temperature == null ? 1.0 : temperature;
        if (t < 0 || !Double.isFinite(t)) {
            throw new ParameterException(spec.commandLine(), "--temperature must be 0 or more, not " + temperature);
        }
        try {
            return new Sampling(sample && t > 0, t > 0 ? t : 1.0, topK == null ? 0 : topK, topP == null ? 1.0 : topP,
                    repetitionPenalty);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** Prints the prompt's text, then the new text as it grows, holding back an incomplete UTF-8 character. */
    private static final class Stream {
        final CausalLm lm;
        final long[] prompt;
        final PrintWriter out;
        final List<Long> ids = new ArrayList<>();
        int printed;

        Stream(CausalLm lm, long[] prompt, PrintWriter out) {
            this.lm = lm;
            this.prompt = prompt;
            this.out = out;
            out.print(lm.tokenizer.decode(prompt, true));
            out.flush();
        }

        void add(long id) {
            ids.add(id);
            String text = newText();
            if (!text.endsWith("\uFFFD") && text.length() > printed) {
                out.print(text.substring(printed));
                out.flush();
                printed = text.length();
            }
        }

        String newText() {
            return lm.continuation(prompt, ids.stream().mapToLong(Long::longValue).toArray());
        }

        void finish() {
            String text = newText();
            if (text.length() > printed) {
                out.print(text.substring(printed));
            }
            out.println();
            out.flush();
        }
    }

    private void print(org.finetune4j.tokenize.Tokenizer tok, List<long[]> ids, List<long[]> generated, double rate) {
        PrintWriter out = spec.commandLine().getOut();
        ArrayNode rows = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < ids.size(); i++) {
            long[] all = LongStream.concat(LongStream.of(ids.get(i)), LongStream.of(generated.get(i))).toArray();
            String text = tok.decode(all, true);
            if (!json) {
                out.println(text);
                continue;
            }
            ObjectNode o = rows.addObject();
            o.set("prompt_ids", Json.MAPPER.valueToTree(ids.get(i)));
            o.set("generated_ids", Json.MAPPER.valueToTree(generated.get(i)));
            o.put("text", text);
            o.put("tokens_per_second", rate);
        }
        if (json) {
            out.println(Json.pretty(rows.size() == 1 ? rows.get(0) : rows));
        }
        out.flush();
    }

    /** How prompts are formatted: --template, --chat-template or --chat (at most one), or null for plain text. */
    private InstructionTemplate format(org.finetune4j.tokenize.Tokenizer tok) {
        long given = java.util.stream.Stream.of(template, chatTemplate, chat ? "model" : null).filter(java.util.Objects::nonNull).count();
        if (given > 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give one of --template, --chat-template and --chat");
        }
        String name = template != null ? template : chatTemplate != null ? chatTemplate : chat ? "model" : null;
        if (name != null && !InstructionTemplate.NAMES.contains(name) && !ChatTemplate.BUILT_IN.containsKey(name)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown template '" + name + "' (one of "
                    + String.join(", ", InstructionTemplate.NAMES) + ", " + String.join(", ", ChatTemplate.BUILT_IN.keySet()) + ")");
        }
        return name == null ? null : InstructionTemplate.named(name, tok, "give --chat-template NAME instead, NAME one of");
    }

    /** {@code prompt} as the template gives it to the model (one user turn); a template error names the template. */
    private static String render(InstructionTemplate format, String prompt) {
        try {
            return format.prompt(prompt);
        } catch (ChatTemplate.RenderException e) {
            throw new Finetune4jException("cannot render the prompt with " + e.getMessage());
        }
    }
}
