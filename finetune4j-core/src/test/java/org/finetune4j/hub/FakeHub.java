package org.finetune4j.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Hub on 127.0.0.1 for tests: the revision API, resolve URLs with the Hub's headers (ETag,
 * X-Repo-Commit, X-Linked-Etag, X-Linked-Size, X-Error-Code) and LFS files redirected to a second
 * server (another origin) that honours Range. Faults: cut connections, corrupted bodies, a token.
 */
final class FakeHub implements AutoCloseable {

    /** One repository: branches to commits, commits to files; {@code lfs} files are served from storage. */
    static final class Repo {
        final Map<String, String> refs = new LinkedHashMap<>();
        final Map<String, Map<String, byte[]>> commits = new LinkedHashMap<>();
        final List<String> lfs = new ArrayList<>();
        String token;

        Repo commit(String commit, Map<String, byte[]> files, String... branches) {
            commits.put(commit, files);
            for (String b : branches) {
                refs.put(b, commit);
            }
            return this;
        }
    }

    private final HttpServer hub;
    private final java.net.ServerSocket storage;
    private final java.util.concurrent.ExecutorService storagePool = java.util.concurrent.Executors.newCachedThreadPool();
    final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    /** Every request: "HUB|STORAGE METHOD path [range] [auth]". */
    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    /** Storage GETs to cut half way (each decrements). */
    final AtomicInteger cuts = new AtomicInteger();
    /** Storage GETs to serve with one byte flipped. */
    final AtomicInteger corruptions = new AtomicInteger();
    /** Milliseconds storage sleeps between chunks (for concurrency tests). */
    volatile int slowMillis;

    FakeHub() throws IOException {
        hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        storage = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        hub.createContext("/", this::hub);
        hub.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
        hub.start();
        storagePool.submit(this::acceptStorage);
    }

    String endpoint() {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    private String storageUrl() {
        return "http://localhost:" + storage.getLocalPort(); // another host, as the Hub's storage is
    }

    Repo repo(String key) {
        return repos.computeIfAbsent(key, k -> new Repo());
    }

    long count(String prefix) {
        synchronized (log) {
            return log.stream().filter(l -> l.startsWith(prefix)).count();
        }
    }

    static String sha256(byte[] b) {
        return hex("SHA-256", null, b);
    }

    static String gitSha1(byte[] b) {
        return hex("SHA-1", ("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII), b);
    }

    private static String hex(String alg, byte[] prefix, byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance(alg);
            if (prefix != null) {
                md.update(prefix);
            }
            return HexFormat.of().formatHex(md.digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void hub(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getRawPath();
            String auth = x.getRequestHeaders().getFirst("Authorization");
            log.add("HUB " + x.getRequestMethod() + " " + path + (auth != null ? " auth" : ""));
            if (path.startsWith("/api/")) {
                api(x, path.substring(5), auth);
            } else if (path.contains("/resolve/")) {
                resolve(x, path.substring(1), auth);
            } else {
                send(x, 404, null, new byte[0]);
            }
        }
    }

    private void api(HttpExchange x, String path, String auth) throws IOException {
        if (path.contains("/tree/")) {
            tree(x, path, auth);
            return;
        }
        int rev = path.indexOf("/revision/");
        Repo repo = rev < 0 ? null : repos.get(path.substring(0, rev));
        if (!authorised(x, repo, auth)) {
            return;
        }
        String revision = decode(path.substring(rev + "/revision/".length()));
        String commit = commitOf(repo, revision);
        if (commit == null) {
            error(x, 404, "RevisionNotFound");
            return;
        }
        ObjectMapper m = new ObjectMapper();
        String key = path.substring(0, rev);
        ObjectNode root = m.createObjectNode().put("id", key.substring(key.indexOf('/') + 1)).put("sha", commit);
        ArrayNode siblings = root.putArray("siblings");
        repo.commits.get(commit).forEach((name, bytes) -> {
            ObjectNode s = siblings.addObject().put("rfilename", name).put("size", bytes.length).put("blobId", gitSha1(bytes));
            if (repo.lfs.contains(name)) {
                s.putObject("lfs").put("sha256", sha256(bytes)).put("size", bytes.length).put("pointerSize", 134);
            }
        });
        send(x, 200, null, m.writeValueAsBytes(root));
    }

    /** {@code /api/models/{id}/tree/{rev}[/{folder}]}: the recursive file listing huggingface_hub's snapshot_download asks for. */
    private void tree(HttpExchange x, String path, String auth) throws IOException {
        int at = path.indexOf("/tree/");
        Repo repo = repos.get(path.substring(0, at));
        if (!authorised(x, repo, auth)) {
            return;
        }
        String rest = path.substring(at + "/tree/".length());
        String commit = commitOf(repo, decode(rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest));
        if (commit == null) {
            error(x, 404, "RevisionNotFound");
            return;
        }
        ObjectMapper m = new ObjectMapper();
        ArrayNode list = m.createArrayNode();
        repo.commits.get(commit).forEach((name, bytes) -> {
            ObjectNode e = list.addObject().put("type", "file").put("path", name).put("size", bytes.length).put("oid", gitSha1(bytes));
            if (repo.lfs.contains(name)) {
                e.putObject("lfs").put("oid", sha256(bytes)).put("size", bytes.length).put("pointerSize", 134);
            }
        });
        send(x, 200, "application/json", m.writeValueAsBytes(list));
    }

    private void resolve(HttpExchange x, String path, String auth) throws IOException {
        int at = path.indexOf("/resolve/");
        String key = path.startsWith("datasets/") ? path.substring(0, at) : "models/" + path.substring(0, at);
        Repo repo = repos.get(key);
        if (!authorised(x, repo, auth)) {
            return;
        }
        String rest = path.substring(at + "/resolve/".length());
        int slash = rest.indexOf('/');
        String commit = commitOf(repo, decode(rest.substring(0, slash)));
        if (commit == null) {
            error(x, 404, "RevisionNotFound");
            return;
        }
        String file = decode(rest.substring(slash + 1));
        byte[] bytes = repo.commits.get(commit).get(file);
        if (bytes == null) {
            x.getResponseHeaders().add("X-Repo-Commit", commit);
            error(x, 404, "EntryNotFound");
            return;
        }
        x.getResponseHeaders().add("X-Repo-Commit", commit);
        if (repo.lfs.contains(file)) {
            String sha = sha256(bytes);
            blobs.put(sha, bytes);
            x.getResponseHeaders().add("ETag", "\"" + gitSha1(("pointer " + sha).getBytes(StandardCharsets.UTF_8)) + "\"");
            x.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
            x.getResponseHeaders().add("X-Linked-Size", Long.toString(bytes.length));
            x.getResponseHeaders().add("Location", storageUrl() + "/blobs/" + sha + "?X-Signature=abc");
            x.sendResponseHeaders(302, -1);
            return;
        }
        x.getResponseHeaders().add("ETag", "\"" + gitSha1(bytes) + "\"");
        send(x, 200, null, bytes);
    }

    private void acceptStorage() {
        while (!storage.isClosed()) {
            try {
                java.net.Socket socket = storage.accept();
                storagePool.submit(() -> storage(socket));
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** Storage speaks raw HTTP/1.1 over a socket so that a cut really drops the connection mid-body. */
    private void storage(java.net.Socket socket) {
        try (socket) {
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            String[] requestLine = in.readLine().split(" ");
            String range = null;
            String auth = null;
            for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
                String name = h.substring(0, h.indexOf(':')).strip().toLowerCase(java.util.Locale.ROOT);
                String value = h.substring(h.indexOf(':') + 1).strip();
                if (name.equals("range")) {
                    range = value;
                } else if (name.equals("authorization")) {
                    auth = value;
                }
            }
            String path = java.net.URI.create(requestLine[1]).getRawPath();
            log.add("STORAGE " + requestLine[0] + " " + path + (range != null ? " " + range : "") + (auth != null ? " auth" : ""));
            OutputStream out = socket.getOutputStream();
            byte[] bytes = blobs.get(path.substring(path.lastIndexOf('/') + 1));
            if (bytes == null) {
                out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            int from = range == null ? 0 : Integer.parseInt(range.substring(6, range.indexOf('-')));
            byte[] body = java.util.Arrays.copyOfRange(bytes, from, bytes.length);
            if (corruptions.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                body[body.length / 2] ^= 0x5a;
            }
            boolean cut = cuts.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            StringBuilder head = new StringBuilder(range != null ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n");
            if (range != null) {
                head.append("Content-Range: bytes ").append(from).append('-').append(bytes.length - 1).append('/').append(bytes.length)
                        .append("\r\n");
            }
            head.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            int end = cut ? body.length / 2 : body.length;
            for (int i = 0; i < end; i += 4096) {
                out.write(body, i, Math.min(4096, end - i));
                out.flush();
                if (slowMillis > 0) {
                    sleep(slowMillis);
                }
            }
            out.flush();
            if (cut) {
                socket.setSoLinger(true, 0); // reset: the client sees the connection cut mid-body
            }
        } catch (IOException | RuntimeException e) {
            log.add("STORAGE failed " + e);
        }
    }

    private boolean authorised(HttpExchange x, Repo repo, String auth) throws IOException {
        if (repo == null || repo.token != null && !("Bearer " + repo.token).equals(auth)) {
            // the Hub answers 401 for missing and private repositories alike when the token does not grant access
            error(x, 401, "RepoNotFound");
            return false;
        }
        return true;
    }

    private static String commitOf(Repo repo, String revision) {
        if (repo.commits.containsKey(revision)) {
            return revision;
        }
        return repo.refs.get(revision);
    }

    private static void error(HttpExchange x, int code, String errorCode) throws IOException {
        x.getResponseHeaders().add("X-Error-Code", errorCode);
        x.getResponseHeaders().add("X-Error-Message", errorCode);
        send(x, code, "application/json", ("{\"error\":\"" + errorCode + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange x, int code, String type, byte[] body) throws IOException {
        if (type != null) {
            x.getResponseHeaders().add("Content-Type", type);
        }
        boolean head = x.getRequestMethod().equals("HEAD");
        if (head) {
            x.getResponseHeaders().add("Content-Length", Integer.toString(body.length));
        }
        x.sendResponseHeaders(code, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            x.getResponseBody().write(body);
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static void sleep(int ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        hub.stop(0);
        try {
            storage.close();
        } catch (IOException ignored) {
            // closing
        }
        storagePool.shutdownNow();
    }
}
