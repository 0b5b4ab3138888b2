package org.finetune4j.generate;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.model.Head;
import org.finetune4j.model.LlamaConfig;
import org.finetune4j.model.ModelConfig;
import org.finetune4j.model.TaskModel;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.peft.Adapters;
import org.finetune4j.tokenize.ChatTemplate;
import org.finetune4j.tokenize.Tokenizer;

/**
 * A causal LM folder loaded for generation: the model (with a PEFT LoRA adapter on it when given),
 * its tokenizer and the special ids generation needs, read as Transformers' generate reads them.
 * What {@code generate} and {@code serve} share, so both encode prompts and stop alike.
 */
public final class CausalLm implements AutoCloseable {

    public final TransformerModel model;
    public final Tokenizer tokenizer;
    /** generation_config.json's eos_token_id (a number or a list), else the tokenizer's, else config.json's; may be empty. */
    public final long[] eos;
    /** The tokenizer's BOS, else config.json's BOS, else config.json's EOS; -1 when none. An empty prompt starts from it. */
    public final long bos;
    /** The pad id of the one pad rule ({@link org.finetune4j.tokenize.SpecialTokens#padId}); -1 when none. */
    public final long pad;

    private CausalLm(TaskModel m) {
        this.model = m.model();
        this.tokenizer = m.tokenizer();
        ModelConfig config = model.config;
        this.eos = eosIds(tokenizer.dir(), tokenizer, config);
        this.bos = firstKnown(tokenizer.special().bos(), config.common().bosTokenId(), config.common().eosTokenId());
        this.pad = m.padId();
    }

    /** Loads {@code dir} (config, weights, tokenizer) with the adapter folder {@code adapter} on it when not null. */
    public static CausalLm load(Path dir, Path adapter) {
        return new CausalLm(adapter == null
                ? TaskModel.load(dir, Head.CAUSAL_LM, "generate and serve take a causal LM with its trained lm_head")
                : TaskModel.open(dir, () -> Adapters.loadWithBase(dir, adapter, Head.CAUSAL_LM, 0, false), adapter));
    }

    /** Whether {@code id} is one of the EOS ids. */
    public boolean isEos(long id) {
        return new Stops(eos, List.of()).isEos(id);
    }

    /** The model's positions (prompt plus new tokens must fit); no limit for rotary positions. */
    public int positions() {
        return model.config.maxPositions();
    }

    /**
     * The context a server allows: the positions, or for rotary models the max_position_embeddings
     * they were trained on (as vLLM's default max_model_len).
     */
    public int contextLength() {
        return model.config instanceof LlamaConfig l ? Math.min(l.maxPositionEmbeddings(), positions()) : positions();
    }

    /** The text token {@code id} adds after token {@code previous} (sentencepiece drops a leading space of a text's first token). */
    public String tokenText(long previous, long id) {
        String t = continuation(new long[] {previous}, new long[] {id});
        return t.isEmpty() ? tokenizer.decode(new long[] {id}, false) : t; // a special token by its own text
    }

    /** The ids of a plain prompt, with the tokenizer's special tokens; an empty prompt is BOS alone. */
    public long[] encode(String prompt) {
        if (prompt.isEmpty()) {
            if (bos < 0) {
                throw new Finetune4jException(tokenizer.dir() + ": an empty prompt needs a BOS token, and the model has none");
            }
            return new long[] {bos};
        }
        return tokenizer.encode(prompt, null, 0, false).ids();
    }

    /** The ids of a conversation rendered by {@code template} with the generation prompt (its text carries its own special tokens). */
    public long[] encodeChat(ChatTemplate template, List<ChatTemplate.Message> messages) {
        String text;
        try {
            text = template.render(messages, true);
        } catch (ChatTemplate.RenderException e) {
            throw new Finetune4jException("cannot render the prompt with " + e.getMessage());
        }
        return tokenizer.encodeWithSpans(text, false).ids();
    }

    /** The continuation's text: the decoded prompt and new ids minus the decoded prompt (words join as they do in the whole text). */
    public String continuation(long[] prompt, long[] generated) {
        String promptText = tokenizer.decode(prompt, true);
        long[] all = java.util.stream.LongStream.concat(java.util.Arrays.stream(prompt), java.util.Arrays.stream(generated)).toArray();
        String full = tokenizer.decode(all, true);
        return full.startsWith(promptText) ? full.substring(promptText.length()) : tokenizer.decode(generated, true);
    }

    /** Generates from {@code prompts} as one left-padded batch (see {@link Generator#generate}). */
    public List<long[]> generate(List<long[]> prompts, Generator.Settings s, Generator.Listener listener) {
        return Generator.generate(model, prompts, Math.max(pad, 0), s, ids -> tokenizer.decode(ids, true), listener);
    }

    /** An empty batch for continuous decoding with the KV cache; close it before this. */
    public Decoder decoder() {
        return new Decoder(model, Math.max(pad, 0), true);
    }

    private static long[] eosIds(Path dir, Tokenizer tok, ModelConfig config) {
        Path f = dir.resolve("generation_config.json");
        if (Files.isRegularFile(f)) {
            JsonNode n;
            try {
                n = org.finetune4j.io.Json.MAPPER.readTree(f.toFile()).get("eos_token_id");
            } catch (IOException e) {
                throw new Finetune4jException(f + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
            if (n != null && n.isArray()) {
                List<Long> list = new ArrayList<>();
                n.forEach(e -> list.add(e.asLong()));
                return list.stream().mapToLong(Long::longValue).toArray();
            }
            if (n != null && n.canConvertToLong()) {
                return new long[] {n.asLong()};
            }
        }
        long e = tok.special().eosId(config.common().eosTokenId());
        return e < 0 ? new long[0] : new long[] {e};
    }

    private static long firstKnown(Number... ids) {
        for (Number id : ids) {
            if (id != null && id.longValue() >= 0) {
                return id.longValue();
            }
        }
        return -1;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
