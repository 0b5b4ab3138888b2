package org.finetune4j.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.finetune4j.generate.CausalLm;
import org.finetune4j.generate.Stops;

/**
 * One completions or chat request in flight: hears its choices' tokens from the engine and answers
 * in OpenAI's shapes: a {@code text_completion} / {@code chat.completion} object, or with
 * {@code stream} their chunks as server-sent events ending in {@code data: [DONE]}.
 */
final class Completion implements Job.Listener {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Requests.Generation req;
    private final Exchange x;
    private final CausalLm lm;
    private final List<Choice> choices = new ArrayList<>();
    private final String id;
    private final long created = System.currentTimeMillis() / 1000;
    private int open;

    Completion(Requests.Generation req, Exchange x) {
        this.req = req;
        this.x = x;
        this.lm = req.model().lm();
        this.id = (req.chat() ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        Stops stops = new Stops(lm.eos, req.stop());
        for (long[] p : req.prompts()) {
            for (int k = 0; k < req.n(); k++) {
                choices.add(new Choice(choices.size(), p, lm, stops));
            }
        }
        this.open = choices.size();
    }

    /** One token row per choice (prompt i repeated n times), for the engine. */
    List<long[]> choicePrompts() {
        return choices.stream().map(c -> c.prompt).toList();
    }

    /** Opens the event stream with each choice's first chunk (the assistant role; the echoed prompt). */
    void start() {
        if (!req.stream()) {
            return;
        }
        x.startEvents();
        for (Choice c : choices) {
            if (req.chat()) {
                ObjectNode delta = NODES.objectNode().put("role", "assistant").put("content", "");
                x.event(Exchange.text(chunk(c, delta, null)));
            } else if (req.echo()) {
                x.event(Exchange.text(chunk(c, echoed(c), null)));
            }
        }
    }

    @Override
    public boolean token(int choice, long id, Job.TokenLogprobs lp) {
        Choice c = choices.get(choice);
        boolean more = c.add(id, lp);
        if (req.stream()) {
            String d = c.delta(false);
            if (!d.isEmpty() || lp != null) {
                x.event(Exchange.text(chunk(c, d, null)));
            }
        }
        return more;
    }

    @Override
    public void finished(int choice, String reason) {
        Choice c = choices.get(choice);
        c.finishReason = reason;
        if (req.stream()) {
            x.event(Exchange.text(chunk(c, c.delta(true), reason)));
        }
        if (--open == 0) {
            done();
        }
    }

    @Override
    public void failed(RuntimeException e) {
        x.error(new ApiError(500, "server_error", null, null, "generation failed: " + e.getMessage()));
    }

    private void done() {
        if (!req.stream()) {
            x.reply(200, whole());
            return;
        }
        if (req.includeUsage()) {
            ObjectNode last = head(req.chat() ? "chat.completion.chunk" : "text_completion");
            last.putArray("choices");
            last.set("usage", usage());
            x.event(Exchange.text(last));
        }
        x.endEvents(true);
    }

    /** The non-streaming answer. */
    private ObjectNode whole() {
        ObjectNode o = head(req.chat() ? "chat.completion" : "text_completion");
        ArrayNode list = o.putArray("choices");
        for (Choice c : choices) {
            ObjectNode j = list.addObject().put("index", c.index);
            if (req.chat()) {
                j.putObject("message").put("role", "assistant").put("content", c.text).putNull("refusal");
            } else {
                j.put("text", (req.echo() ? req.promptTexts().get(c.index / req.n()) : "") + c.text);
            }
            j.set("logprobs", logprobs(c, allIndices(c)));
            j.put("finish_reason", c.finishReason);
        }
        o.set("usage", usage());
        return o;
    }

    /** A streaming chunk of choice {@code c}: its new text (or chat delta) and finish reason (null while it runs). */
    private ObjectNode chunk(Choice c, Object delta, String finish) {
        ObjectNode o = head(req.chat() ? "chat.completion.chunk" : "text_completion");
        ObjectNode j = o.putArray("choices").addObject().put("index", c.index);
        if (req.chat()) {
            j.set("delta", delta instanceof ObjectNode d ? d : NODES.objectNode().put("content", (String) delta));
        } else {
            j.put("text", (String) delta);
        }
        j.set("logprobs", logprobs(c, c.unsentLogprobs()));
        j.put("finish_reason", finish);
        return o;
    }

    private String echoed(Choice c) {
        return req.promptTexts().get(c.index / req.n());
    }

    private ObjectNode head(String object) {
        return NODES.objectNode().put("id", id).put("object", object).put("created", created).put("model", req.model().id());
    }

    private ObjectNode usage() {
        long prompt = req.prompts().stream().mapToLong(p -> p.length).sum();
        long completion = choices.stream().mapToLong(c -> c.ids.size()).sum();
        return NODES.objectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    private static List<Integer> allIndices(Choice c) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < c.logprobs.size(); i++) {
            all.add(i);
        }
        return all;
    }

    /** Log-probabilities of tokens {@code which} of choice c in the endpoint's shape, or null when none were asked for. */
    private com.fasterxml.jackson.databind.JsonNode logprobs(Choice c, List<Integer> which) {
        if (req.logprobs() < 0) {
            return NODES.nullNode();
        }
        return req.chat() ? chatLogprobs(c, which) : completionLogprobs(c, which);
    }

    /** {"tokens", "token_logprobs", "top_logprobs": [{token: logprob}], "text_offset"} (legacy completions). */
    private ObjectNode completionLogprobs(Choice c, List<Integer> which) {
        ObjectNode o = NODES.objectNode();
        ArrayNode tokens = o.putArray("tokens");
        ArrayNode lps = o.putArray("token_logprobs");
        ArrayNode tops = o.putArray("top_logprobs");
        ArrayNode offsets = o.putArray("text_offset");
        int shift = req.echo() ? echoed(c).length() : 0;
        for (int i : which) {
            Job.TokenLogprobs lp = c.logprobs.get(i);
            tokens.add(tokenText(c, i, c.ids.get(i)));
            lps.add(lp.logprob());
            ObjectNode top = tops.addObject();
            for (int k = 0; k < lp.topIds().length; k++) {
                top.put(tokenText(c, i, lp.topIds()[k]), lp.topLogprobs()[k]);
            }
            offsets.add(Math.min(c.offsets.get(i), c.text.length()) + shift);
        }
        return o;
    }

    /** {"content": [{"token", "logprob", "bytes", "top_logprobs": [{"token", "logprob", "bytes"}]}], "refusal": null}. */
    private ObjectNode chatLogprobs(Choice c, List<Integer> which) {
        ObjectNode o = NODES.objectNode();
        ArrayNode content = o.putArray("content");
        for (int i : which) {
            Job.TokenLogprobs lp = c.logprobs.get(i);
            ObjectNode t = token(tokenText(c, i, c.ids.get(i)), lp.logprob());
            ArrayNode top = t.putArray("top_logprobs");
            for (int k = 0; k < lp.topIds().length; k++) {
                top.add(token(tokenText(c, i, lp.topIds()[k]), lp.topLogprobs()[k]));
            }
            content.add(t);
        }
        o.putNull("refusal");
        return o;
    }

    private static ObjectNode token(String t, float logprob) {
        ObjectNode o = NODES.objectNode().put("token", t).put("logprob", logprob);
        ArrayNode bytes = o.putArray("bytes");
        for (byte b : t.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xff);
        }
        return o;
    }

    /** The text of {@code tokenId} as the token at position i of choice c (after the token before it). */
    private String tokenText(Choice c, int i, long tokenId) {
        long previous = i == 0 ? c.prompt[c.prompt.length - 1] : c.ids.get(i - 1);
        return lm.tokenText(previous, tokenId);
    }
}
