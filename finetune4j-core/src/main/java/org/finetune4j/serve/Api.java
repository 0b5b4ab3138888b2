package org.finetune4j.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The routes: {@code GET /health}, {@code GET /v1/models[/ID]}, {@code POST /v1/completions},
 * {@code POST /v1/chat/completions} and {@code POST /v1/classify}. With an API key every /v1 route
 * needs {@code Authorization: Bearer KEY}. Bodies are read asynchronously up to a size limit and
 * parsed strictly; every refusal is an OpenAI-style JSON error with a 4xx status.
 */
final class Api extends Handler.Abstract {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_CLASSIFY_INPUTS = 2048;

    private final Models models;
    private final Engine engine;
    private final ServerSettings settings;
    private final Executor executor;
    private final Set<Exchange> live = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "finetune4j-probe");
        t.setDaemon(true);
        return t;
    });
    private final long created = System.currentTimeMillis() / 1000;

    Api(Models models, Engine engine, ServerSettings settings, Executor executor) {
        this.models = models;
        this.engine = engine;
        this.settings = settings;
        this.executor = executor;
        prober.scheduleWithFixedDelay(this::probe, settings.probeMillis(), settings.probeMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Exchange x = new Exchange(response, callback);
        try {
            route(request, x);
        } catch (ApiError e) {
            x.error(e);
        }
        return true;
    }

    private void route(Request request, Exchange x) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        if (path.equals("/health")) {
            allow(method, "GET", path);
            x.reply(200, health());
            return;
        }
        if (!path.startsWith("/v1/")) {
            throw unknown(method, path);
        }
        authorize(request);
        switch (path) {
            case "/v1/models" -> {
                allow(method, "GET", path);
                x.reply(200, modelList());
            }
            case "/v1/completions", "/v1/chat/completions", "/v1/classify" -> {
                allow(method, "POST", path);
                withBody(request, x, body -> post(path, body, x));
            }
            default -> {
                if (path.startsWith("/v1/models/")) {
                    allow(method, "GET", path);
                    x.reply(200, model(models.get(path.substring("/v1/models/".length()))));
                    return;
                }
                throw unknown(method, path);
            }
        }
    }

    private void post(String path, JsonNode body, Exchange x) {
        if (path.equals("/v1/classify")) {
            classify(body, x);
            return;
        }
        Requests.Generation g = path.equals("/v1/completions")
                ? Requests.completion(body, models, engine.maxRows()) : Requests.chat(body, models, engine.maxRows());
        Completion c = new Completion(g, x);
        Job.Generation job = new Job.Generation(g.model(), c.choicePrompts(), g.sampling(), g.seed(), g.maxTokens(),
                g.logitBias(), g.logprobs(), c);
        x.onGone(job::cancel);
        x.hold();
        c.start();
        if (!engine.submit(job)) {
            throw busy();
        }
        live.add(x);
        x.release();
    }

    private void classify(JsonNode body, Exchange x) {
        Fields f = new Fields(body);
        Served s = models.get(f.string("model", true));
        if (!(s instanceof Served.Cls c)) {
            throw ApiError.invalid("model", "The model '" + s.id() + "' is not a sequence classifier: use /v1/completions or /v1/chat/completions");
        }
        List<String> texts = Fields.texts(f.get("input"), "input", MAX_CLASSIFY_INPUTS);
        f.ignore("user");
        f.noOthers();
        CompletableFuture<Models.Scores> result = new CompletableFuture<>();
        if (!engine.submit(new Job.Classification(c, texts, result))) {
            throw busy();
        }
        result.whenComplete((scores, failure) -> {
            if (failure != null) {
                x.error(new ApiError(500, "server_error", null, null, "classification failed: " + failure.getMessage()));
            } else {
                x.reply(200, classification(c, scores));
            }
        });
    }

    /** {"object": "list", "data": [{"index", "label", "score", "probabilities": {label: p}}], "usage"}. */
    private static ObjectNode classification(Served.Cls c, Models.Scores scores) {
        ObjectNode o = NODES.objectNode().put("object", "list").put("model", c.id());
        ArrayNode data = o.putArray("data");
        List<String> labels = c.classifier().labels();
        float[][] p = scores.probabilities();
        for (int i = 0; i < p.length; i++) {
            int best = 0;
            for (int k = 1; k < p[i].length; k++) {
                best = p[i][k] > p[i][best] ? k : best;
            }
            ObjectNode row = data.addObject().put("object", "classification").put("index", i)
                    .put("label", labels.get(best)).put("score", p[i][best]);
            ObjectNode all = row.putObject("probabilities");
            for (int k = 0; k < p[i].length; k++) {
                all.put(labels.get(k), p[i][k]);
            }
        }
        o.putObject("usage").put("prompt_tokens", scores.tokens()).put("total_tokens", scores.tokens());
        return o;
    }

    /** Reads the body (at most settings.maxBodyBytes()) off the I/O thread, parses it and hands it on. */
    private void withBody(Request request, Exchange x, java.util.function.Consumer<JsonNode> then) {
        long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        if (declared > settings.maxBodyBytes()) {
            throw tooLarge();
        }
        Content.Source.asByteArrayAsync(request, settings.maxBodyBytes()).whenCompleteAsync((bytes, failure) -> {
            try {
                if (failure != null) {
                    throw readFailure(failure);
                }
                then.accept(parse(bytes));
            } catch (ApiError e) {
                x.error(e);
            } catch (RuntimeException e) {
                x.error(new ApiError(500, "server_error", null, null, e.getClass().getSimpleName() + ": " + e.getMessage()));
            }
        }, executor);
    }

    private ApiError readFailure(Throwable failure) {
        Throwable t = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (t instanceof java.util.concurrent.TimeoutException || String.valueOf(t.getMessage()).contains("Idle timeout")) {
            return new ApiError(408, "invalid_request_error", null, "request_timeout", "The request body did not arrive in time");
        }
        if (t instanceof IllegalStateException && String.valueOf(t.getMessage()).startsWith("Max size")) {
            return tooLarge(); // Jetty's limit, hit by a chunked body (a declared length is checked before reading)
        }
        return ApiError.invalid(null, "The request body could not be read (" + t.getClass().getSimpleName() + ")");
    }

    private ApiError tooLarge() {
        return new ApiError(413, "invalid_request_error", null, "request_too_large",
                "The request body exceeds " + settings.maxBodyBytes() + " bytes");
    }

    private static JsonNode parse(byte[] bytes) {
        try {
            JsonNode n = Exchange.JSON.reader().with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readTree(bytes);
            if (n == null || n.isMissingNode()) {
                throw ApiError.invalid(null, "The request body is empty: it must be a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw ApiError.invalid(null, "We could not parse the JSON body of your request: "
                    + e.getOriginalMessage().lines().findFirst().orElse("").replaceAll("[^\\x20-\\x7e]", "?"));
        } catch (IOException e) {
            throw ApiError.invalid(null, "The request body could not be read");
        }
    }

    private void authorize(Request request) {
        if (settings.apiKey() == null) {
            return;
        }
        String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        byte[] given = (auth == null ? "" : auth).getBytes(StandardCharsets.UTF_8);
        byte[] expected = ("Bearer " + settings.apiKey()).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, expected)) {
            throw new ApiError(401, "invalid_request_error", null, "invalid_api_key", auth == null
                    ? "You didn't provide an API key: send it as 'Authorization: Bearer KEY'"
                    : "Incorrect API key provided");
        }
    }

    private static void allow(String method, String expected, String path) {
        if (!method.equals(expected)) {
            throw new ApiError(405, "invalid_request_error", null, "method_not_allowed",
                    "Method " + clip(method) + " is not allowed on " + path + " (use " + expected + ")");
        }
    }

    private static ApiError unknown(String method, String path) {
        return new ApiError(404, "invalid_request_error", null, "unknown_url", "Unknown request URL: " + clip(method) + " " + clip(path));
    }

    private ApiError busy() {
        return new ApiError(429, "rate_limit_error", null, "rate_limit_exceeded",
                "The server is busy (its queue of " + settings.maxQueued() + " requests is full); retry later");
    }

    private ObjectNode health() {
        Engine.Stats s = engine.stats();
        ObjectNode o = NODES.objectNode().put("status", "ok");
        ArrayNode ids = o.putArray("models");
        models.all().forEach(m -> ids.add(m.id()));
        return o.put("running", s.running()).put("queued", s.queued()).put("completed", s.completed()).put("cancelled", s.cancelled());
    }

    private ObjectNode modelList() {
        ObjectNode o = NODES.objectNode().put("object", "list");
        ArrayNode data = o.putArray("data");
        models.all().forEach(m -> data.add(model(m)));
        return o;
    }

    private ObjectNode model(Served m) {
        return NODES.objectNode().put("id", m.id()).put("object", "model").put("created", created).put("owned_by", "finetune4j");
    }

    /** Keep-alive writes for requests in flight (see {@link Exchange}). */
    private void probe() {
        live.removeIf(Exchange::over);
        live.forEach(Exchange::probe);
    }

    /** Stops the keep-alive probes. */
    void close() {
        prober.shutdownNow();
    }

    private static String clip(String s) {
        String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
