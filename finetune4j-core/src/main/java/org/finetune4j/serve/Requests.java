package org.finetune4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.finetune4j.Finetune4jException;
import org.finetune4j.generate.CausalLm;
import org.finetune4j.generate.Sampling;
import org.finetune4j.tokenize.ChatTemplate;

/**
 * Request bodies of /v1/completions and /v1/chat/completions read into {@link Generation}s, with
 * OpenAI's names, defaults and ranges; everything is checked before the engine sees it. Extensions
 * (as vLLM names them): {@code top_k}, {@code repetition_penalty}.
 */
final class Requests {

    /** What a generation request asks for; {@code prompts} holds one token row per prompt (choices repeat them n times). */
    record Generation(Served.Lm model, boolean chat, List<long[]> prompts, List<String> promptTexts, int n, int maxTokens,
            Sampling sampling, long seed, List<String> stop, Map<Integer, Float> logitBias, int logprobs, boolean echo,
            boolean stream, boolean includeUsage) {}

    private static final int MAX_PROMPTS = 256;

    private Requests() {}

    /** A /v1/completions body. */
    static Generation completion(JsonNode body, Models models, int maxRows) {
        Fields f = new Fields(body);
        Served.Lm m = languageModel(f, models);
        List<String> texts = new ArrayList<>();
        List<long[]> prompts = prompts(f.get("prompt"), m.lm(), texts);
        if (f.string("suffix", false) != null) {
            throw ApiError.invalid("suffix", "'suffix' is not supported");
        }
        int logprobs = f.get("logprobs") == null ? -1 : f.integer("logprobs", 0, 0, 5);
        boolean echo = f.bool("echo", false);
        if (echo && logprobs >= 0) {
            throw ApiError.invalid("echo", "'echo' with 'logprobs' is not supported (the prompt's log-probabilities are not computed)");
        }
        return common(f, m, false, prompts, texts, 16, logprobs, echo, maxRows);
    }

    /** A /v1/chat/completions body. */
    static Generation chat(JsonNode body, Models models, int maxRows) {
        Fields f = new Fields(body);
        Served.Lm m = languageModel(f, models);
        if (m.template() == null) {
            throw ApiError.invalid("model", "The model '" + m.id() + "' has no chat template; start serve with --chat-template NAME ("
                    + String.join(", ", ChatTemplate.BUILT_IN.keySet()) + ")");
        }
        List<ChatTemplate.Message> messages = messages(f.get("messages"));
        long[] ids;
        try {
            ids = m.lm().encodeChat(m.template(), messages);
        } catch (Finetune4jException e) {
            throw ApiError.invalid("messages", e.getMessage());
        }
        for (String unsupported : List.of("tools", "functions", "tool_choice", "function_call", "audio", "prediction")) {
            JsonNode t = f.get(unsupported);
            if (t != null && !(t.isArray() && t.isEmpty()) && !(t.isTextual() && t.textValue().equals("none"))) {
                throw ApiError.invalid(unsupported, "'" + unsupported + "' is not supported");
            }
        }
        JsonNode format = f.get("response_format");
        if (format != null && !(format.isObject() && "text".equals(format.path("type").asText()))) {
            throw ApiError.invalid("response_format", "only {\"type\": \"text\"} is supported");
        }
        boolean logprobs = f.bool("logprobs", false);
        int top = f.integer("top_logprobs", 0, 0, 20);
        f.alias("max_tokens", "max_completion_tokens");
        f.ignore("store", "metadata", "parallel_tool_calls", "service_tier", "modalities", "reasoning_effort");
        int fallback = m.lm().contextLength() - ids.length;
        return common(f, m, true, List.of(ids), List.of(""), fallback, logprobs ? top : -1, false, maxRows);
    }

    /** The fields both endpoints share. */
    private static Generation common(Fields f, Served.Lm m, boolean chat, List<long[]> prompts, List<String> texts,
            int defaultMaxTokens, int logprobs, boolean echo, int maxRows) {
        int positions = m.lm().contextLength();
        int longest = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        if (longest >= positions) {
            throw new ApiError(400, "invalid_request_error", chat ? "messages" : "prompt", "context_length_exceeded",
                    "This model's maximum context length is " + positions + " tokens, however your prompt has " + longest
                            + " tokens. Please reduce the length of the prompt.");
        }
        int maxTokens = f.integer("max_tokens", Math.max(1, Math.min(defaultMaxTokens, positions - longest)), 1, Integer.MAX_VALUE);
        if (longest + (long) maxTokens > positions) {
            throw new ApiError(400, "invalid_request_error", "max_tokens", "context_length_exceeded",
                    "This model's maximum context length is " + positions + " tokens, however you requested "
                            + (longest + (long) maxTokens) + " tokens (" + longest + " in your prompt; " + maxTokens
                            + " for the completion). Please reduce your prompt; or completion length.");
        }
        int n = f.integer("n", 1, 1, 128);
        if (n * prompts.size() > maxRows) {
            throw ApiError.invalid("n", n * prompts.size() + " choices exceed the server's --max-concurrent " + maxRows);
        }
        Integer bestOf = chat ? null : f.optionalInteger("best_of", 1, 128);
        if (bestOf != null && bestOf != n) {
            throw ApiError.invalid("best_of", "'best_of' other than 'n' is not supported");
        }
        Sampling sampling = sampling(f);
        Long seed = f.optionalLong("seed");
        List<String> stop = f.stops("stop");
        Map<Integer, Float> bias = logitBias(f.get("logit_bias"), m.lm().model.config.vocabSize());
        boolean stream = f.bool("stream", false);
        JsonNode options = f.get("stream_options");
        if (options != null && !stream) {
            throw ApiError.invalid("stream_options", "'stream_options' is only allowed when 'stream' is true");
        }
        boolean usage = options != null && new Fields(options).bool("include_usage", false);
        f.ignore("user");
        f.noOthers();
        return new Generation(m, chat, prompts, texts, n, maxTokens, sampling, seed != null ? seed : ThreadLocalRandom.current().nextLong(),
                stop, bias, logprobs, echo, stream, usage);
    }

    private static Sampling sampling(Fields f) {
        double temperature = f.number("temperature", 1.0, 0, 2);
        double topP = f.number("top_p", 1.0, 0, 1);
        int topK = f.integer("top_k", 0, -1, Integer.MAX_VALUE);
        double repetition = f.number("repetition_penalty", 1.0, Double.MIN_VALUE, 100);
        double presence = f.number("presence_penalty", 0, -2, 2);
        double frequency = f.number("frequency_penalty", 0, -2, 2);
        boolean sample = temperature > 0;
        return new Sampling(sample, sample ? temperature : 1.0, Math.max(topK, 0), Math.max(topP, Double.MIN_VALUE), repetition,
                presence, frequency);
    }

    private static Served.Lm languageModel(Fields f, Models models) {
        Served s = models.get(f.string("model", true));
        if (s instanceof Served.Cls) {
            throw ApiError.invalid("model", "The model '" + s.id() + "' is a sequence classifier: use POST /v1/classify");
        }
        return (Served.Lm) s;
    }

    /** {@code prompt}: a string, an array of strings, an array of token ids, or an array of such arrays. */
    private static List<long[]> prompts(JsonNode p, CausalLm lm, List<String> texts) {
        if (p == null) {
            throw ApiError.invalid("prompt", "Missing required parameter: 'prompt'");
        }
        List<long[]> out = new ArrayList<>();
        if (p.isTextual()) {
            texts.add(p.textValue());
            out.add(encode(lm, p.textValue()));
        } else if (p.isArray() && !p.isEmpty() && p.size() <= MAX_PROMPTS && p.get(0).isIntegralNumber()) {
            out.add(tokenIds(p, lm));
            texts.add(lm.tokenizer.decode(out.get(0), false));
        } else if (p.isArray() && !p.isEmpty() && p.size() <= MAX_PROMPTS) {
            for (JsonNode e : p) {
                if (e.isTextual()) {
                    texts.add(e.textValue());
                    out.add(encode(lm, e.textValue()));
                } else if (e.isArray() && !e.isEmpty()) {
                    out.add(tokenIds(e, lm));
                    texts.add(lm.tokenizer.decode(out.get(out.size() - 1), false));
                } else {
                    throw Fields.wrongType("prompt", "a string, an array of strings or an array of token arrays", p);
                }
            }
        } else {
            throw Fields.wrongType("prompt", "a string, an array of 1-" + MAX_PROMPTS + " strings or token arrays", p);
        }
        return out;
    }

    private static long[] encode(CausalLm lm, String text) {
        try {
            return lm.encode(text);
        } catch (Finetune4jException e) { // an empty prompt for a model without BOS
            throw ApiError.invalid("prompt", e.getMessage());
        }
    }

    private static long[] tokenIds(JsonNode a, CausalLm lm) {
        int vocab = lm.model.config.vocabSize();
        long[] ids = new long[a.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode e = a.get(i);
            if (!e.isIntegralNumber() || !e.canConvertToInt() || e.intValue() < 0 || e.intValue() >= vocab) {
                throw ApiError.invalid("prompt", "token ids must be integers in [0, " + vocab + "), not " + e);
            }
            ids[i] = e.intValue();
        }
        return ids;
    }

    private static List<ChatTemplate.Message> messages(JsonNode a) {
        if (a == null || !a.isArray() || a.isEmpty()) {
            throw ApiError.invalid("messages", "'messages' must be a non-empty array of {role, content}");
        }
        List<ChatTemplate.Message> out = new ArrayList<>();
        for (JsonNode m : a) {
            String role = m.path("role").isTextual() ? m.get("role").textValue() : null;
            if (!m.isObject() || role == null || !List.of("system", "developer", "user", "assistant").contains(role)) {
                throw ApiError.invalid("messages", "each message needs a role (system, developer, user or assistant), got " + clip(m));
            }
            out.add(new ChatTemplate.Message(role.equals("developer") ? "system" : role, content(m.get("content"))));
        }
        return out;
    }

    /** A message's content: a string, or text parts [{type: "text", text}]. */
    private static String content(JsonNode c) {
        if (c != null && c.isTextual()) {
            return c.textValue();
        }
        if (c != null && c.isArray()) {
            StringBuilder b = new StringBuilder();
            for (JsonNode part : c) {
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.invalid("messages", "only text content parts are supported, got " + clip(part));
                }
                b.append(part.get("text").textValue());
            }
            return b.toString();
        }
        throw ApiError.invalid("messages", "a message's content must be a string or an array of text parts");
    }

    private static Map<Integer, Float> logitBias(JsonNode b, int vocab) {
        Map<Integer, Float> out = new HashMap<>();
        if (b == null) {
            return out;
        }
        if (!b.isObject()) {
            throw Fields.wrongType("logit_bias", "an object of token id to bias", b);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = b.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException x) {
                id = -1;
            }
            double v = e.getValue().isNumber() ? e.getValue().doubleValue() : Double.NaN;
            if (id < 0 || id >= vocab || !(v >= -100 && v <= 100)) {
                throw ApiError.invalid("logit_bias", "logit_bias maps token ids in [0, " + vocab + ") to numbers in [-100, 100], not "
                        + clip(e.getKey()) + ": " + clip(e.getValue()));
            }
            out.put(id, (float) v);
        }
        return out;
    }

    private static String clip(Object o) {
        String s = String.valueOf(o);
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
