package org.finetune4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.Text;

/**
 * Fetches a repository revision into the huggingface_hub cache and returns its snapshot folder:
 * one API call for the commit and file list, then for each wanted file not yet linked in the
 * snapshot a HEAD for its ETag and a verified download under the blob's lock. Offline (or when the
 * Hub cannot be reached) the snapshot comes from the cache alone, with an error naming what is missing.
 */
public final class HubClient {

    private static final ObjectMapper JSON = org.finetune4j.io.Json.MAPPER;

    private final HubSettings settings;
    private final HubCache cache;
    private final HubHttp http;
    private final Progress progress;
    private final PrintStream log;

    /** A client; {@code log} (may be null) gets one line per downloaded file. */
    public HubClient(HubSettings settings, Progress progress, PrintStream log) {
        this.settings = settings;
        this.cache = new HubCache(settings.cache());
        this.http = new HubHttp(settings);
        this.progress = progress;
        this.log = log;
    }

    public HubCache cache() {
        return cache;
    }

    /**
     * The snapshot folder of {@code repo} at {@code revision} holding the files {@code include} globs
     * name, or (empty) what a model needs / a dataset's table files.
     */
    public Path snapshot(RepoId repo, String revision, List<String> include) {
        if (settings.isOffline()) {
            return cached(repo, revision, include, "offline (HF_HUB_OFFLINE or --offline)");
        }
        HubHttp.RepoInfo info;
        try {
            info = http.info(repo, revision);
        } catch (IOException e) {
            return cached(repo, revision, include, "cannot reach " + settings.endpoint() + " (" + e.getClass().getSimpleName() + ")");
        }
        try {
            cache.writeRef(repo, revision, info.commit());
            return fetch(repo, revision, info, include);
        } catch (IOException e) {
            throw new Finetune4jException(repo + "@" + revision + ": " + e.getClass().getSimpleName() + " while filling the cache "
                    + cache.repo(repo) + (e.getMessage() == null ? "" : " (" + Text.printable(e.getMessage()) + ")"));
        }
    }

    private Path fetch(RepoId repo, String revision, HubHttp.RepoInfo info, List<String> include) throws IOException {
        String where = repo + "@" + revision;
        Map<String, HubHttp.Sibling> byPath = info.files().stream()
                .collect(Collectors.toMap(HubHttp.Sibling::path, Function.identity(), (a, b) -> a));
        List<String> names = new ArrayList<>(byPath.keySet());
        boolean modelDefault = include.isEmpty() && repo.type() == RepoId.Type.MODEL;
        List<String> wanted = !include.isEmpty() ? RepoFiles.matching(where, names, include)
                : modelDefault ? RepoFiles.model(where, names) : RepoFiles.dataset(where, names);
        Path snapshot = cache.snapshot(repo, info.commit());
        for (String f : wanted) {
            ensure(repo, info.commit(), byPath.get(f));
        }
        if (modelDefault && wanted.contains(RepoFiles.INDEX)) {
            for (String shard : shards(snapshot.resolve(RepoFiles.INDEX))) {
                HubHttp.Sibling s = byPath.get(shard);
                if (s == null) {
                    throw new Finetune4jException(where + ": shard " + Text.quote(shard) + " listed in " + RepoFiles.INDEX
                            + " is not in the repository");
                }
                ensure(repo, info.commit(), s);
            }
        }
        return snapshot;
    }

    /** Makes {@code snapshots/<commit>/<path>} exist: download the blob unless cached, then link it. */
    private void ensure(RepoId repo, String commit, HubHttp.Sibling file) throws IOException {
        Path link = HubCache.inside(cache.snapshot(repo, commit), file.path());
        if (Files.isRegularFile(link)) {
            return;
        }
        HubHttp.FileMeta meta = http.head(repo, commit, file.path());
        String etag = meta.etag();
        Path blob = cache.blob(repo, etag);
        try (BlobLock lock = BlobLock.acquire(cache.lock(repo, etag))) {
            if (!Files.isRegularFile(blob)) {
                long size = meta.size() >= 0 ? meta.size() : file.size();
                String sha256 = file.lfsSha256() != null ? file.lfsSha256() : etag.matches("[0-9a-f]{64}") ? etag : null;
                String gitSha1 = file.lfsSha256() == null && etag.matches("[0-9a-f]{40}") ? etag : null;
                Download.fetch(http, meta.location(), cache.incomplete(repo, etag), blob,
                        new Download.Expect(size, sha256, gitSha1), repo + " " + file.path(), progress);
                if (log != null) {
                    log.println("downloaded " + repo + " " + file.path() + " (" + Files.size(blob) + " bytes)");
                }
            }
            cache.link(repo, commit, file.path(), etag);
        }
    }

    /** The snapshot from the cache alone, or an error naming what is missing and why the Hub was not asked. */
    private Path cached(RepoId repo, String revision, List<String> include, String why) {
        String where = repo + "@" + revision;
        String commit = cache.commitOf(repo, revision).orElseThrow(() -> new Finetune4jException(why + ": " + where
                + " is not in the cache (no " + cache.repo(repo).relativize(cache.ref(repo, revision)) + " under "
                + cache.repo(repo) + "); download it online first: finetune4j download " + repo.id()
                + (repo.type() == RepoId.Type.DATASET ? " --repo-type dataset" : "") + " --revision " + revision));
        Path snapshot = cache.snapshot(repo, commit);
        if (!Files.isDirectory(snapshot)) {
            throw new Finetune4jException(why + ": " + where + " points at commit " + commit + " but " + snapshot + " is missing");
        }
        List<String> missing = missing(snapshot, repo, include);
        if (!missing.isEmpty()) {
            throw new Finetune4jException(why + ": snapshot " + snapshot + " of " + where + " lacks " + String.join(", ", missing));
        }
        return snapshot;
    }

    /** What the snapshot lacks for the request ({@code a | b}: either will do). */
    private static List<String> missing(Path snapshot, RepoId repo, List<String> include) {
        List<String> out = new ArrayList<>();
        if (!include.isEmpty()) {
            List<String> present = listFiles(snapshot);
            for (String g : include) {
                try {
                    RepoFiles.matching(repo.id(), present, List.of(g));
                } catch (Finetune4jException e) {
                    out.add("a file matching " + g);
                }
            }
            return out;
        }
        if (repo.type() == RepoId.Type.DATASET) {
            try {
                RepoFiles.dataset(repo.id(), listFiles(snapshot));
            } catch (Finetune4jException e) {
                out.add("any csv, tsv, json, jsonl or parquet file");
            }
            return out;
        }
        boolean adapter = Files.isRegularFile(snapshot.resolve(RepoFiles.ADAPTER_CONFIG))
                && Files.isRegularFile(snapshot.resolve(RepoFiles.ADAPTER));
        if (!Files.isRegularFile(snapshot.resolve(RepoFiles.CONFIG)) && !adapter) {
            out.add(RepoFiles.CONFIG);
        }
        if (Files.isRegularFile(snapshot.resolve(RepoFiles.SINGLE)) || adapter) {
            return out;
        }
        Path index = snapshot.resolve(RepoFiles.INDEX);
        if (!Files.isRegularFile(index)) {
            out.add(RepoFiles.SINGLE + " | " + RepoFiles.INDEX);
            return out;
        }
        for (String shard : shards(index)) {
            if (!Files.isRegularFile(HubCache.inside(snapshot, shard))) {
                out.add(shard);
            }
        }
        return out;
    }

    /** The shard files a safetensors index names. */
    static List<String> shards(Path index) {
        JsonNode map;
        try {
            map = JSON.readTree(index.toFile()).path("weight_map");
        } catch (IOException e) {
            throw new Finetune4jException(index + ": not a safetensors index (" + e.getClass().getSimpleName() + ")");
        }
        if (!map.isObject() || map.isEmpty()) {
            throw new Finetune4jException(index + ": has no weight_map");
        }
        TreeSet<String> out = new TreeSet<>();
        map.fields().forEachRemaining(e -> out.add(e.getValue().asText()));
        return List.copyOf(out);
    }

    /** The files under {@code dir} as repository paths (a/b.csv). */
    private static List<String> listFiles(Path dir) {
        try (var s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/')).sorted().toList();
        } catch (IOException e) {
            throw new Finetune4jException(dir + ": cannot list (" + e.getClass().getSimpleName() + ")");
        }
    }
}
