package org.finetune4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load measurement of {@code scripts/serve-load.sh} (not a unit test): the same greedy requests
 * (64 new tokens each) sent by one client one at a time, then by {@code clients} clients at once,
 * against a running {@code finetune4j serve}; prints requests/s, tokens/s, p50/p95 latency and the
 * server's resident memory (sampled from /proc every 200 ms) for both runs.
 *
 * <p>Usage: {@code LoadClient PORT SERVER_PID MODEL_ID CLIENTS REQUESTS_PER_CLIENT MAX_TOKENS}
 */
public final class LoadClient {

    private static final String[] PROMPTS = {"Once upon a time", "Lily and Tom", "The little dog", "One day, a girl",
        "Tim had a red ball", "The sun was hot", "Sam wanted to", "There was a big tree", "Mom said", "The cat sat",
        "In the park,", "A bird flew", "Ben and his dad", "The boat", "Sue liked to draw", "It was a rainy day"};

    private record Run(String name, int requests, double seconds, long tokens, List<Double> latencies, List<Long> rssKb) {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        long pid = Long.parseLong(args[1]);
        String model = args[2];
        int clients = Integer.parseInt(args[3]);
        int each = Integer.parseInt(args[4]);
        int maxTokens = Integer.parseInt(args[5]);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        run(http, port, pid, model, "warm-up", 1, 4, maxTokens);
        Run sequential = run(http, port, pid, model, "sequential (1 client)", 1, clients * each, maxTokens);
        Run batched = run(http, port, pid, model, "concurrent (" + clients + " clients)", clients, each, maxTokens);
        System.out.println();
        System.out.println("| run | requests | seconds | requests/s | tokens | tokens/s | p50 latency s | p95 latency s | RSS MiB start / max / end |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for (Run r : List.of(sequential, batched)) {
            print(r);
        }
        System.out.printf("%nbatched / sequential tokens/s: %.2fx%n", (batched.tokens / batched.seconds) / (sequential.tokens / sequential.seconds));
    }

    private static Run run(HttpClient http, int port, long pid, String model, String name, int clients, int each, int maxTokens)
            throws Exception {
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicLong tokens = new AtomicLong();
        List<Long> rss = Collections.synchronizedList(new ArrayList<>());
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                rss.add(rssKb(pid));
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long t0 = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            done.add(pool.submit(() -> {
                for (int i = 0; i < each; i++) {
                    String prompt = PROMPTS[(client * each + i) % PROMPTS.length];
                    long s = System.nanoTime();
                    tokens.addAndGet(complete(http, port, model, prompt, maxTokens));
                    latencies.add((System.nanoTime() - s) / 1e9);
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        sampler.interrupt();
        sampler.join();
        rss.add(rssKb(pid));
        System.out.printf("%s: %d requests in %.1f s%n", name, clients * each, seconds);
        return new Run(name, clients * each, seconds, tokens.get(), latencies, rss);
    }

    /** One greedy completion; the completion tokens it used. */
    private static long complete(HttpClient http, int port, String model, String prompt, int maxTokens) throws IOException, InterruptedException {
        String body = "{\"model\": \"" + model + "\", \"prompt\": \"" + prompt + "\", \"max_tokens\": " + maxTokens + ", \"temperature\": 0}";
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("status " + r.statusCode() + ": " + r.body());
        }
        JsonNode j = new ObjectMapper().readTree(r.body());
        return j.at("/usage/completion_tokens").asLong();
    }

    private static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    private static void print(Run r) {
        List<Double> l = new ArrayList<>(r.latencies);
        Collections.sort(l);
        double p50 = l.get((int) Math.floor(0.50 * (l.size() - 1)));
        double p95 = l.get((int) Math.floor(0.95 * (l.size() - 1)));
        long max = r.rssKb.stream().mapToLong(Long::longValue).max().orElse(-1);
        System.out.printf("| %s | %d | %.1f | %.2f | %d | %.1f | %.3f | %.3f | %d / %d / %d |%n", r.name, r.requests, r.seconds,
                r.requests / r.seconds, r.tokens, r.tokens / r.seconds, p50, p95, r.rssKb.get(0) / 1024, max / 1024,
                r.rssKb.get(r.rssKb.size() - 1) / 1024);
    }
}
