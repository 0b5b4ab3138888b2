package org.finetune4j.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.finetune4j.Fixtures;
import org.finetune4j.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disconnects stop decoding, a full queue answers 429, stop is graceful; classifiers and adapters are served by id;
 * bfloat16 serves as generate --bf16 decodes.
 */
class ServeBehaviourTest {

    private static String completion(int maxTokens, boolean stream) {
        return "{\"model\": \"" + ServeFixture.ID + "\", \"prompt\": \"a\", \"max_tokens\": " + maxTokens
                + ", \"temperature\": 0, \"stream\": " + stream + "}";
    }

    /** Opens a request on a socket the test closes itself. */
    private static Socket open(int port, String body) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        s.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " + b.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().write(b);
        s.getOutputStream().flush();
        return s;
    }

    /** Reads lines until the first SSE event. */
    private static BufferedReader firstEvent(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.startsWith("data: {")) {
                return in;
            }
        }
        throw new IOException("no event");
    }

    private static JsonNode health(int port) throws IOException {
        return RawHttp.get(port, "/health").json();
    }

    /** Polls /health until {@code field} reaches {@code value} (5 s at most). */
    private static JsonNode await(int port, String field, long value) throws Exception {
        JsonNode h = health(port);
        for (int i = 0; i < 250 && h.get(field).asLong() < value; i++) {
            Thread.sleep(20);
            h = health(port);
        }
        return h;
    }

    @Test
    void aClientThatGoesAwayStopsItsDecoding() throws Exception {
        try (ApiServer server = ServeFixture.start(ServeFixture.settings().withTimeouts(1 << 20, 30_000, 20, 5_000))) {
            int port = server.port();
            try (Socket s = open(port, completion(500, true))) {
                firstEvent(s);
            }
            JsonNode h = await(port, "cancelled", 1);
            assertThat(h.get("cancelled").asLong()).as(h.toString()).isEqualTo(1);
            assertThat(h.get("running").asLong()).isZero();
            try (Socket s = open(port, completion(500, false))) {
                Thread.sleep(50);
            }
            h = await(port, "cancelled", 2);
            assertThat(h.get("cancelled").asLong()).as("non-streaming, seen by the keep-alive probe: " + h).isEqualTo(2);
            assertThat(h.get("completed").asLong()).isZero();
        }
    }

    @Test
    void keepAlivesBeforeALongAnswerLeaveItValidJson() throws Exception {
        try (ApiServer server = ServeFixture.start(ServeFixture.settings().withTimeouts(1 << 20, 30_000, 1, 5_000))) {
            RawHttp.Reply r = RawHttp.post(server.port(), "/v1/completions", completion(300, false));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).startsWith(" ");
            assertThat(r.json().at("/usage/completion_tokens").asInt()).isEqualTo(300);
        }
    }

    @Test
    void aFullQueueAnswers429() throws Exception {
        try (ApiServer server = ServeFixture.start(ServeFixture.settings().withLimits(1, 1).withTimeouts(1 << 20, 30_000, 20, 5_000))) {
            int port = server.port();
            try (Socket running = open(port, completion(500, true))) {
                firstEvent(running);
                CompletableFuture<RawHttp.Reply> queued = CompletableFuture.supplyAsync(() -> {
                    try {
                        return RawHttp.post(port, "/v1/completions", completion(4, false));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                await(port, "queued", 1);
                RawHttp.Reply refused = RawHttp.post(port, "/v1/completions", completion(4, false));
                assertThat(refused.status()).isEqualTo(429);
                assertThat(refused.json().at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
                running.close();
                assertThat(queued.get().status()).as("the queued request runs once the row is free").isEqualTo(200);
            }
        }
    }

    @Test
    void stopLetsRunningRequestsFinishThenRefusesConnections() throws Exception {
        ApiServer server = ServeFixture.start(ServeFixture.settings().withTimeouts(1 << 20, 30_000, 1_000, 20_000));
        int port = server.port();
        List<String> events = new ArrayList<>();
        try (Socket s = open(port, completion(200, true))) {
            BufferedReader in = firstEvent(s);
            Thread stopper = new Thread(server::stop);
            stopper.start();
            for (String line = in.readLine(); line != null && !line.equals("data: [DONE]"); line = in.readLine()) {
                if (line.startsWith("data: ")) {
                    events.add(line);
                }
            }
            stopper.join(30_000);
            assertThat(stopper.isAlive()).isFalse();
        }
        assertThat(events.get(events.size() - 1)).contains("\"finish_reason\":\"length\"");
        assertThat(events.size()).as("about one event a token (held-back text joins some)").isGreaterThan(100);
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void aClassifierAndItsAdapterAreServedByIdAsPredictComputes() throws Exception {
        Path base = Fixtures.dir("bert-seqcls");
        Path adapter = base.resolve("lora/adapter_trained");
        try (ApiServer server = ApiServer.start("bert-seqcls", base, List.of(new ApiServer.Adapter("trained", adapter)), null,
                ServeFixture.settings())) {
            int port = server.port();
            assertThat(server.modelIds()).containsExactly("bert-seqcls", "trained");
            JsonNode r = RawHttp.post(port, "/v1/classify", "{\"model\": \"bert-seqcls\", \"input\": [\"hello world\", \"the film\"]}").json();
            ServeFixture.CliResult predicted = ServeFixture.cli("predict", "--model", base.toString(), "hello world", "the film");
            assertThat(predicted.code()).as(predicted.err()).isZero();
            String[] lines = predicted.out().strip().split("\n");
            for (int i = 0; i < 2; i++) {
                JsonNode p = new ObjectMapper().readTree(lines[i]);
                JsonNode got = r.get("data").get(i);
                assertThat(got.get("label").asText()).isEqualTo(p.get("label").asText());
                p.get("probabilities").fields().forEachRemaining(e -> assertThat(got.at("/probabilities/" + e.getKey()).floatValue())
                        .isCloseTo(e.getValue().floatValue(), org.assertj.core.data.Offset.offset(1e-6f)));
            }
            JsonNode t = RawHttp.post(port, "/v1/classify", "{\"model\": \"trained\", \"input\": \"hello world\"}").json();
            assertThat(t.at("/data/0/probabilities/" + t.at("/data/0/label").asText()).floatValue())
                    .isNotEqualTo(r.at("/data/0/probabilities/" + t.at("/data/0/label").asText()).floatValue());
            assertThat(RawHttp.post(port, "/v1/completions", "{\"model\": \"trained\", \"prompt\": \"x\"}").status()).isEqualTo(400);
        }
    }

    @Test
    void aCausalLmAdapterIsItsOwnModelIdAndDecodesAsGenerateWithTheAdapter(@TempDir Path tmp) throws Exception {
        Path base = tmp.resolve("llama-lm");
        Files.createDirectories(base);
        for (String f : List.of("config.json", "generation_config.json", "model.safetensors")) {
            Files.copy(Fixtures.dir("llama-lm").resolve(f), base.resolve(f));
        }
        for (String f : List.of("vocab.txt", "tokenizer_config.json", "special_tokens_map.json")) {
            Files.copy(Fixtures.dir("bert-seqcls").resolve(f), base.resolve(f)); // a WordPiece vocabulary smaller than the model's
        }
        Path adapter = Fixtures.dir("llama-lm").resolve("lora/adapter_trained");
        try (ApiServer server = ApiServer.start("llama-lm", base, List.of(new ApiServer.Adapter("trained", adapter)), null,
                ServeFixture.settings())) {
            String body = "{\"model\": \"trained\", \"prompt\": \"the film was\", \"max_tokens\": 6, \"temperature\": 0}";
            String text = RawHttp.post(server.port(), "/v1/completions", body).json().at("/choices/0/text").asText();
            ServeFixture.CliResult g = ServeFixture.cli("generate", "--model", base.toString(), "--adapter", adapter.toString(),
                    "--prompt", "the film was", "--max-new-tokens", "6", "--json");
            assertThat(g.code()).as(g.err()).isZero();
            JsonNode j = new ObjectMapper().readTree(g.out());
            try (org.finetune4j.tokenize.Tokenizer tok = org.finetune4j.tokenize.Tokenizer.load(base)) {
                long[] prompt = new ObjectMapper().convertValue(j.get("prompt_ids"), long[].class);
                assertThat(tok.decode(prompt, true) + text).isEqualTo(j.get("text").asText());
            }
            assertThat(RawHttp.get(server.port(), "/v1/models").json().findValuesAsText("id")).containsExactly("llama-lm", "trained");
        }
    }

    @Test
    void underBf16ItDecodesAsGenerateDoesWithBf16() throws Exception {
        try (ApiServer server = ServeFixture.start(ServeFixture.settings().withAutocast(DType.BF16))) {
            String text = RawHttp.post(server.port(), "/v1/completions", completion(8, false)).json().at("/choices/0/text").asText();
            ServeFixture.CliResult g = ServeFixture.cli("generate", "--model", ServeFixture.model().toString(), "--prompt", "a",
                    "--max-new-tokens", "8", "--bf16", "--json");
            assertThat(g.code()).as(g.err()).isZero();
            assertThat("a" + text).isEqualTo(new ObjectMapper().readTree(g.out()).get("text").asText());
        }
    }
}
