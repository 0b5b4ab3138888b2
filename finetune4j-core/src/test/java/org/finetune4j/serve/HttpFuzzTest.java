package org.finetune4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP surface under bad input: malformed and oversized bodies, wrong types, unknown routes,
 * garbage and slow clients, and randomly mutated requests. Every refusal is a 4xx with an
 * OpenAI-style JSON error, and the server keeps answering.
 */
class HttpFuzzTest {

    private static final String VALID = "{\"model\": \"" + ServeFixture.ID + "\", \"prompt\": \"Once upon a time\", "
            + "\"max_tokens\": 3, \"temperature\": 0.7, \"top_p\": 0.9, \"n\": 1, \"stop\": [\"x\"], \"seed\": 5}";
    private static ApiServer server;
    private static int port;

    @BeforeAll
    static void start() {
        server = ServeFixture.start(ServeFixture.settings().withTimeouts(4096, 600, 200, 5_000));
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A 4xx whose body is {"error": {"message", "type", "param", "code"}} with a message. */
    private static void assertRefused(RawHttp.Reply r, int status, String what) throws IOException {
        assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(status);
        assertErrorShape(r, what);
    }

    private static void assertErrorShape(RawHttp.Reply r, String what) throws IOException {
        assertThat(r.headers()).as(what).contains("content-type: application/json");
        JsonNode e = r.json().get("error");
        assertThat(e).as(what + ": " + r.body()).isNotNull();
        assertThat(e.get("message").asText()).as(what).isNotBlank();
        assertThat(e.has("type") && e.has("param") && e.has("code")).as(what).isTrue();
    }

    @Test
    void malformedBodiesAndWrongTypesAre400() throws IOException {
        List<String> bodies = List.of("", "{bad", "[]", "\"text\"", "42", "null", "{} {}", "{\"model\": }",
                "[".repeat(2000),
                "{\"model\": \"" + ServeFixture.ID + "\"}",
                "{\"prompt\": \"hi\"}",
                VALID.replace("3,", "\"three\","), VALID.replace("3,", "3.5,"), VALID.replace("3,", "1e999,"),
                VALID.replace("3,", "-1,"), VALID.replace("0.7", "\"hot\""), VALID.replace("0.7", "7"),
                VALID.replace("0.9", "true"), VALID.replace("\"n\": 1", "\"n\": 0"), VALID.replace("\"n\": 1", "\"n\": 999"),
                VALID.replace("[\"x\"]", "5"), VALID.replace("[\"x\"]", "[\"a\",\"b\",\"c\",\"d\",\"e\"]"),
                VALID.replace("[\"x\"]", "[\"\"]"), VALID.replace("5}", "\"five\"}"),
                VALID.replace("\"Once upon a time\"", "{}"), VALID.replace("\"Once upon a time\"", "[]"),
                VALID.replace("\"Once upon a time\"", "[99999]"), VALID.replace("\"Once upon a time\"", "\"" + "a b ".repeat(600) + "\""),
                VALID.replace("3,", "600,"), VALID.replace("5}", "5, \"unknown\": 1}"), VALID.replace("5}", "5, \"logit_bias\": {\"x\": 1}}"),
                VALID.replace("5}", "5, \"logit_bias\": {\"3\": 500}}"), VALID.replace("5}", "5, \"logprobs\": 9}"),
                VALID.replace("5}", "5, \"stream_options\": {\"include_usage\": true}}"), VALID.replace("5}", "5, \"suffix\": \"end\"}"));
        for (String body : bodies) {
            assertRefused(RawHttp.post(port, "/v1/completions", body), 400, "completions " + clip(body));
        }
        List<String> chats = List.of("{\"model\": \"" + ServeFixture.ID + "\", \"messages\": \"hi\"}",
                "{\"model\": \"" + ServeFixture.ID + "\", \"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}",
                "{\"model\": \"" + ServeFixture.ID + "\", \"messages\": [{\"role\": \"user\", \"content\": 5}]}",
                "{\"model\": \"" + ServeFixture.ID + "\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\": [{}]}");
        for (String body : chats) {
            assertRefused(RawHttp.post(port, "/v1/chat/completions", body), 400, "chat " + clip(body));
        }
        assertRefused(RawHttp.post(port, "/v1/completions", new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}), 400, "bad UTF-8");
        assertRefused(RawHttp.post(port, "/v1/classify", "{\"model\": \"" + ServeFixture.ID + "\", \"input\": \"hi\"}"), 400, "classify an LM");
        assertRefused(RawHttp.post(port, "/v1/completions", VALID.replace(ServeFixture.ID, "nope")), 404, "unknown model");
        assertAlive();
    }

    @Test
    void unknownRoutesMethodsAndOversizedRequestsAre4xx() throws IOException {
        assertRefused(RawHttp.get(port, "/v1/nothing"), 404, "unknown route");
        assertRefused(RawHttp.get(port, "/"), 404, "root");
        assertRefused(RawHttp.get(port, "/v1/models/nope"), 404, "unknown model id");
        assertRefused(RawHttp.get(port, "/v1/completions"), 405, "GET on a POST route");
        assertRefused(RawHttp.post(port, "/health", "{}"), 405, "POST on health");
        assertRefused(RawHttp.post(port, "/v1/completions", " ".repeat(5000) + VALID), 413, "body over the limit");
        String chunked = "POST /v1/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "1000\r\n" + " ".repeat(4096) + "\r\n1000\r\n" + " ".repeat(4096) + "\r\n0\r\n\r\n";
        assertRefused(RawHttp.send(port, chunked.getBytes(StandardCharsets.ISO_8859_1)), 413, "chunked body over the limit");
        String hugeHeader = "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\nConnection: close\r\n\r\n";
        RawHttp.Reply big = RawHttp.send(port, hugeHeader.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(big.status()).isBetween(400, 499);
        assertErrorShape(big, "header too large");
        RawHttp.Reply garbage = RawHttp.send(port, "HELLO THERE\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(garbage.status()).isEqualTo(400);
        assertErrorShape(garbage, "garbage request line");
        assertAlive();
    }

    @Test
    void slowClientsTimeOutWithoutStoppingOthers() throws Exception {
        try (Socket slowHeaders = new Socket("127.0.0.1", port); Socket slowBody = new Socket("127.0.0.1", port)) {
            slowHeaders.getOutputStream().write("POST /v1/completions HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.ISO_8859_1));
            OutputStream body = slowBody.getOutputStream();
            body.write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"model\"")
                    .getBytes(StandardCharsets.ISO_8859_1));
            body.flush();
            assertThat(RawHttp.post(port, "/v1/completions", VALID).status()).as("served meanwhile").isEqualTo(200);
            slowBody.setSoTimeout(10_000);
            assertRefused(RawHttp.read(slowBody.getInputStream()), 408, "a body that stalls");
            slowHeaders.setSoTimeout(10_000);
            InputStream in = slowHeaders.getInputStream();
            assertThat(in.read()).as("a request line that never ends is closed").isEqualTo(-1);
        }
        assertAlive();
    }

    @Test
    void mutatedRequestsAreAnsweredWith200Or4xxNever5xx() throws IOException {
        Random rng = new Random(20);
        byte[] valid = VALID.getBytes(StandardCharsets.UTF_8);
        String[] pool = {"{", "}", "[", "]", "\"", ",", ":", "0", "9", "-", "e", "null", "true", "\\", "\u00e9", " "};
        for (int i = 0; i < 300; i++) {
            byte[] b = valid.clone();
            String s = new String(b, StandardCharsets.UTF_8);
            for (int k = 0; k <= rng.nextInt(3); k++) {
                int at = rng.nextInt(s.length());
                s = switch (rng.nextInt(3)) {
                    case 0 -> s.substring(0, at) + s.substring(at + 1);
                    case 1 -> s.substring(0, at) + pool[rng.nextInt(pool.length)] + s.substring(at);
                    default -> s.substring(0, at) + pool[rng.nextInt(pool.length)] + s.substring(Math.min(s.length(), at + 1));
                };
            }
            RawHttp.Reply r = RawHttp.post(port, "/v1/completions", s);
            assertThat(r.status()).as(s + " -> " + r.body()).isIn(200, 400, 404);
            if (r.status() != 200) {
                assertErrorShape(r, s);
            } else {
                assertThat(r.json().get("choices")).as(s).isNotNull();
            }
        }
        assertAlive();
    }

    private static void assertAlive() throws IOException {
        RawHttp.Reply h = RawHttp.get(port, "/health");
        assertThat(h.status()).isEqualTo(200);
        assertThat(h.json().get("status").asText()).isEqualTo("ok");
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
