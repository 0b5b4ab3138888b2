package org.finetune4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.Text;

/**
 * The Hub's HTTP API as huggingface_hub uses it: {@code GET /api/{models|datasets}/{id}/revision/{rev}}
 * for the commit and file list, {@code HEAD /{id}/resolve/{commit}/{path}} for a file's ETag and size
 * (X-Linked-Etag / X-Linked-Size for LFS files, which answer with a redirect to storage), and {@code GET}
 * with {@code Range} for the bytes. Redirects are followed here; the token goes only to the endpoint's
 * own origin, never to a storage host.
 */
final class HubHttp {

    /** A file of a repository listing; {@code lfsSha256} is null for files stored in git. */
    record Sibling(String path, long size, String lfsSha256) {}

    /** A revision's commit and files. */
    record RepoInfo(String commit, List<Sibling> files) {}

    /** What a HEAD on a resolve URL says: commit, ETag (blob name), size and where the bytes are. */
    record FileMeta(String commit, String etag, long size, URI location) {}

    private static final ObjectMapper JSON = org.finetune4j.io.Json.MAPPER;
    private static final int MAX_REDIRECTS = 10;

    private final HubSettings settings;
    private final HttpClient client;

    HubHttp(HubSettings settings) {
        this.settings = settings;
        this.client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(20)).build();
    }

    /** The commit {@code revision} points at and the files of that commit. */
    RepoInfo info(RepoId repo, String revision) throws IOException {
        URI url = URI.create(settings.endpoint() + "/" + repo.apiPath() + "/revision/" + encode(revision) + "?blobs=true");
        HttpResponse<InputStream> r = send(request(url).GET(), true);
        String body;
        try (InputStream in = r.body()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (r.statusCode() != 200) {
            throw failure(repo, revision, null, r);
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new Finetune4jException(repo + "@" + revision + ": the Hub's answer from " + url + " is not JSON");
        }
        String commit = root.path("sha").asText("");
        if (!HubCache.isCommit(commit)) {
            throw new Finetune4jException(repo + "@" + revision + ": the Hub's answer from " + url + " has no commit sha");
        }
        List<Sibling> files = new ArrayList<>();
        for (JsonNode s : root.path("siblings")) {
            String name = s.path("rfilename").asText(null);
            if (name != null) {
                JsonNode lfs = s.path("lfs");
                files.add(new Sibling(name, s.path("size").asLong(-1), lfs.isObject() ? lfs.path("sha256").asText(null) : null));
            }
        }
        return new RepoInfo(commit, files);
    }

    /** The ETag, size and location of one file at {@code commit}. */
    FileMeta head(RepoId repo, String commit, String path) throws IOException {
        URI url = resolveUrl(repo, commit, path);
        HttpResponse<InputStream> r = send(request(url).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Accept-Encoding", "identity"), true);
        r.body().close();
        int code = r.statusCode();
        if (code != 200 && !(code >= 300 && code < 400)) {
            throw failure(repo, commit, path, r);
        }
        String etag = header(r, "X-Linked-Etag");
        if (etag == null) {
            etag = header(r, "ETag");
        }
        if (etag == null) {
            throw new Finetune4jException(repo + ": the Hub sent no ETag for " + path + " (" + url + ")");
        }
        String size = header(r, "X-Linked-Size");
        if (size == null) {
            size = header(r, "Content-Length");
        }
        String location = header(r, "Location");
        String served = header(r, "X-Repo-Commit");
        return new FileMeta(served != null ? served : commit, normalizeEtag(etag), parseSize(size),
                location != null ? url.resolve(location) : url);
    }

    /** Opens the bytes of {@code url} from offset {@code from}, following redirects (token only to the Hub's origin). */
    HttpResponse<InputStream> get(URI url, long from) throws IOException {
        HttpRequest.Builder b = request(url).GET().header("Accept-Encoding", "identity");
        if (from > 0) {
            b.header("Range", "bytes=" + from + "-");
        }
        return send(b, sameOrigin(url, settings.endpoint()));
    }

    URI resolveUrl(RepoId repo, String commit, String path) {
        StringBuilder p = new StringBuilder();
        for (String part : path.split("/")) {
            p.append(p.length() == 0 ? "" : "/").append(encode(part));
        }
        return URI.create(settings.endpoint() + "/" + repo.urlPath() + "/resolve/" + encode(commit) + "/" + p);
    }

    /** Sends, following redirects by hand so that the token never leaves the endpoint's origin. */
    private HttpResponse<InputStream> send(HttpRequest.Builder builder, boolean auth) throws IOException {
        HttpRequest req = builder.build();
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(req, (name, value) -> true);
            if (auth && settings.hasToken() && sameOrigin(req.uri(), settings.endpoint())) {
                b.setHeader("Authorization", "Bearer " + settings.token());
            }
            HttpResponse<InputStream> r;
            try {
                r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            int code = r.statusCode();
            String location = header(r, "Location");
            boolean follow = (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) && location != null
                    && !req.method().equals("HEAD");
            // HEAD follows only relative redirects (a renamed repository); an absolute one points at storage
            boolean relativeHead = req.method().equals("HEAD") && code >= 300 && code < 400 && location != null
                    && !location.contains("://");
            if (!follow && !relativeHead) {
                return r;
            }
            r.body().close();
            if (hop >= MAX_REDIRECTS) {
                throw new Finetune4jException("more than " + MAX_REDIRECTS + " redirects from " + strip(req.uri()));
            }
            URI next = req.uri().resolve(location);
            req = HttpRequest.newBuilder(req, (name, value) -> !name.equalsIgnoreCase("Authorization")).uri(next).build();
        }
    }

    private HttpRequest.Builder request(URI url) {
        return HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(2)).header("User-Agent", "finetune4j/0.1.0");
    }

    /** A one-line error for a refused request; never shows the token. */
    Finetune4jException failure(RepoId repo, String revision, String path, HttpResponse<?> r) {
        int code = r.statusCode();
        String errorCode = Objects.requireNonNullElse(header(r, "X-Error-Code"), "");
        String what = repo + "@" + revision + (path == null ? "" : " " + path);
        String why;
        if (code == 401 || code == 403) {
            why = errorCode.equals("GatedRepo") ? "the repository is gated: accept its terms on the Hub, then set HF_TOKEN"
                    : settings.hasToken() ? "the token (HF_TOKEN or HF_HOME/token) was refused or has no access to this repository"
                    : "the repository is private, gated or does not exist; set HF_TOKEN (or HF_HOME/token) for private or gated ones";
        } else if (code == 404) {
            why = switch (errorCode) {
                case "RevisionNotFound" -> "revision " + Text.quote(revision) + " does not exist in " + repo;
                case "EntryNotFound" -> "file " + Text.quote(String.valueOf(path)) + " does not exist at this revision";
                case "RepoNotFound" -> "repository " + repo.id() + " does not exist (or is private)";
                default -> path == null ? "repository or revision " + Text.quote(revision) + " not found"
                        : "file not found";
            };
        } else {
            String msg = header(r, "X-Error-Message");
            why = "the Hub answered " + code + (msg == null ? "" : " (" + Text.printable(msg) + ")");
        }
        return new Finetune4jException(what + ": HTTP " + code + ": " + why + " [" + strip(r.request().uri()) + "]");
    }

    /** The ETag as a file name: without {@code W/} and quotes, as huggingface_hub normalises it. */
    static String normalizeEtag(String etag) {
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(lower(a.getScheme()), lower(b.getScheme())) && Objects.equals(lower(a.getHost()), lower(b.getHost()))
                && port(a) == port(b);
    }

    /** The URL without its query (signed storage URLs carry credentials there). */
    static String strip(URI u) {
        return Text.printable(u.getScheme() + "://" + u.getRawAuthority() + (u.getRawPath() == null ? "" : u.getRawPath()));
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    private static long parseSize(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
