package org.finetune4j.viz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens a page in headless Chromium and watches it through the DevTools protocol (over a local
 * WebSocket): console errors, uncaught exceptions, log errors, failed requests and requests that
 * leave the page's file (anything but file: and data: URLs); then takes a full-page screenshot.
 */
final class HeadlessChromium {

    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the page did: problems found (empty when clean) and every URL it asked for. */
    record Visit(List<String> problems, List<String> requests) {}

    private HeadlessChromium() {}

    static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /** Loads {@code page}, waits for its load event and a moment more, and writes {@code screenshot} (PNG). */
    static Visit open(Path page, Path screenshot) throws Exception {
        Path profile = Files.createTempDirectory("finetune4j-chromium-");
        Process p = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--window-size=1280,900", "about:blank")
                .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
        try {
            int port = port(profile.resolve("DevToolsActivePort"), p);
            return visit(port, page, screenshot);
        } finally {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            deleteTree(profile);
        }
    }

    private static int port(Path file, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.isRegularFile(file)) {
                List<String> lines = Files.readAllLines(file);
                if (!lines.isEmpty() && !lines.get(0).isBlank()) {
                    return Integer.parseInt(lines.get(0).trim());
                }
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("chromium exited with " + p.exitValue() + " before DevTools started");
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("chromium's DevTools did not start within 60 s");
    }

    private static Visit visit(int port, Path page, Path screenshot) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                .build(), HttpResponse.BodyHandlers.ofString()).body());
        String ws = null;
        for (JsonNode t : targets) {
            if (t.path("type").asText().equals("page")) {
                ws = t.path("webSocketDebuggerUrl").asText();
                break;
            }
        }
        if (ws == null) {
            throw new IllegalStateException("chromium offered no page to debug: " + targets);
        }
        Session s = new Session();
        WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(ws), s).get(30, TimeUnit.SECONDS);
        s.socket = socket;
        try {
            for (String domain : List.of("Runtime", "Log", "Network", "Page")) {
                s.call(domain + ".enable", JSON.createObjectNode());
            }
            ObjectNode nav = JSON.createObjectNode().put("url", page.toUri().toString());
            JsonNode navigated = s.call("Page.navigate", nav);
            if (navigated.has("errorText")) {
                s.problems.add("navigation failed: " + navigated.get("errorText").asText());
            }
            s.awaitEvent("Page.loadEventFired", 60);
            Thread.sleep(500); // late console messages
            JsonNode metrics = s.call("Page.getLayoutMetrics", JSON.createObjectNode());
            JsonNode size = metrics.has("cssContentSize") ? metrics.get("cssContentSize") : metrics.get("contentSize");
            ObjectNode shot = JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", true);
            shot.putObject("clip").put("x", 0).put("y", 0).put("width", size.get("width").asDouble())
                    .put("height", Math.min(16000, size.get("height").asDouble())).put("scale", 1);
            JsonNode png = s.call("Page.captureScreenshot", shot);
            Files.createDirectories(screenshot.toAbsolutePath().getParent());
            Files.write(screenshot, Base64.getDecoder().decode(png.get("data").asText()));
            return new Visit(List.copyOf(s.problems), List.copyOf(s.requests));
        } finally {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        }
    }

    /** One DevTools connection: numbered calls, and the events sorted into problems as they come. */
    private static final class Session implements WebSocket.Listener {
        WebSocket socket;
        final AtomicInteger ids = new AtomicInteger();
        final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        final LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
        final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<String> requests = java.util.Collections.synchronizedList(new ArrayList<>());
        private final StringBuilder partial = new StringBuilder();

        JsonNode call(String method, ObjectNode params) throws Exception {
            int id = ids.incrementAndGet();
            CompletableFuture<JsonNode> f = new CompletableFuture<>();
            pending.put(id, f);
            ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
            msg.set("params", params);
            socket.sendText(JSON.writeValueAsString(msg), true).get(30, TimeUnit.SECONDS);
            JsonNode r = f.get(60, TimeUnit.SECONDS);
            if (r.has("error")) {
                throw new IllegalStateException(method + ": " + r.get("error"));
            }
            return r.get("result");
        }

        void awaitEvent(String method, int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                String e = events.poll(200, TimeUnit.MILLISECONDS);
                if (method.equals(e)) {
                    return;
                }
            }
            throw new IllegalStateException("no " + method + " within " + seconds + " s");
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    handle(JSON.readTree(text));
                } catch (IOException e) {
                    problems.add("unreadable DevTools message: " + e.getMessage());
                }
            }
            ws.request(1);
            return null;
        }

        private void handle(JsonNode m) {
            if (m.has("id")) {
                CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
                if (f != null) {
                    f.complete(m);
                }
                return;
            }
            String method = m.path("method").asText();
            JsonNode p = m.path("params");
            switch (method) {
                case "Runtime.consoleAPICalled" -> {
                    String type = p.path("type").asText();
                    if (type.equals("error") || type.equals("assert") || type.equals("warning")) {
                        problems.add("console " + type + ": " + p.path("args"));
                    }
                }
                case "Runtime.exceptionThrown" -> problems.add("exception: " + p.path("exceptionDetails"));
                case "Log.entryAdded" -> {
                    String level = p.path("entry").path("level").asText();
                    if (level.equals("error") || level.equals("warning")) {
                        problems.add("log " + level + ": " + p.path("entry").path("text").asText() + " "
                                + p.path("entry").path("url").asText());
                    }
                }
                case "Network.requestWillBeSent" -> {
                    String url = p.path("request").path("url").asText();
                    requests.add(url);
                    if (!url.startsWith("data:") && !url.startsWith("file:")) {
                        problems.add("request leaving the file: " + url);
                    }
                }
                case "Network.loadingFailed" -> problems.add("failed request: " + p.path("errorText").asText()
                        + (p.path("blockedReason").isMissingNode() ? "" : " (" + p.path("blockedReason").asText() + ")"));
                case "Network.responseReceived" -> {
                    int status = p.path("response").path("status").asInt(200);
                    if (status >= 400) {
                        problems.add("HTTP " + status + ": " + p.path("response").path("url").asText());
                    }
                }
                default -> { }
            }
            events.add(method);
        }
    }

    private static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            // a leftover temp profile is harmless (Chromium's helper processes may still be writing into it)
        }
    }
}
