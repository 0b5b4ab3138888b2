package org.finetune4j.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.WeightFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Hub client against a local Hub: cold and warm downloads, resume, hashes, errors, offline use, locks. */
class HubClientTest {

    static final Path MODEL = org.finetune4j.Fixtures.dir("bert-seqcls");
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final String OLD_COMMIT = "fedcba9876543210fedcba9876543210fedcba98";
    static final String TOKEN = "hf_SeCrEtTokenValue0123456789";

    @TempDir
    Path tmp;
    FakeHub hub;
    Map<String, byte[]> files;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        files = fixtureRepo();
        FakeHub.Repo repo = hub.repo("models/acme/tiny-bert");
        repo.lfs.add("model.safetensors");
        repo.commit(COMMIT, files, "main", "v1");
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    static Map<String, byte[]> fixtureRepo() throws IOException {
        Map<String, byte[]> f = new LinkedHashMap<>();
        for (String name : List.of("config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "model.safetensors")) {
            f.put(name, Files.readAllBytes(MODEL.resolve(name)));
        }
        f.put("pytorch_model.bin", "not a real pickle".getBytes(StandardCharsets.UTF_8));
        f.put("README.md", "# tiny".getBytes(StandardCharsets.UTF_8));
        return f;
    }

    HubSettings settings(String token, boolean offline) {
        return new HubSettings(URI.create(hub.endpoint()), tmp.resolve("hub"), token, offline);
    }

    HubClient client(String token, boolean offline) {
        return new HubClient(settings(token, offline), Progress.NONE, null);
    }

    static final RepoId TINY = RepoId.model("acme/tiny-bert");

    @Test
    void coldDownloadLaysOutTheCacheAsHuggingfaceHub() throws IOException {
        Path snap = client(null, false).snapshot(TINY, "main", List.of());
        Path repo = tmp.resolve("hub/models--acme--tiny-bert");
        assertThat(snap).isEqualTo(repo.resolve("snapshots").resolve(COMMIT));
        assertThat(Files.readString(repo.resolve("refs/main"))).isEqualTo(COMMIT);
        String sha = FakeHub.sha256(files.get("model.safetensors"));
        String git = FakeHub.gitSha1(files.get("config.json"));
        assertThat(Files.readSymbolicLink(snap.resolve("model.safetensors"))).isEqualTo(Path.of("../../blobs/" + sha));
        assertThat(Files.readSymbolicLink(snap.resolve("config.json"))).isEqualTo(Path.of("../../blobs/" + git));
        assertThat(Files.readAllBytes(snap.resolve("model.safetensors"))).isEqualTo(files.get("model.safetensors"));
        assertThat(Files.readAllBytes(snap.resolve("vocab.txt"))).isEqualTo(files.get("vocab.txt"));
        assertThat(names(snap)).containsExactlyInAnyOrder("config.json", "vocab.txt", "tokenizer_config.json",
                "special_tokens_map.json", "model.safetensors");
        assertThat(names(repo.resolve("blobs"))).hasSize(5).noneMatch(n -> n.endsWith(".incomplete"));
        assertThat(hub.log).noneMatch(l -> l.contains("pytorch_model.bin") || l.contains("README.md"));
        assertThat(hub.count("STORAGE GET /blobs/" + sha)).isEqualTo(1);
        try (WeightFiles w = WeightFiles.open(snap)) {
            assertThat(w.names()).isNotEmpty();
        }
    }

    @Test
    void warmLoadsNeedNoDownloadAndOfflineNoServer() throws IOException {
        Path first = client(null, false).snapshot(TINY, "main", List.of());
        int requests = hub.log.size();
        Path again = client(null, false).snapshot(TINY, "main", List.of());
        assertThat(again).isEqualTo(first);
        assertThat(hub.log.subList(requests, hub.log.size())).singleElement().asString().startsWith("HUB GET /api/models/acme/tiny-bert/revision/main");
        hub.close();
        assertThat(client(null, true).snapshot(TINY, "main", List.of())).isEqualTo(first);
        assertThat(client(null, true).snapshot(TINY, COMMIT, List.of())).isEqualTo(first);
        // the Hub is down (server stopped): online mode falls back to the cache, as huggingface_hub does
        assertThat(client(null, false).snapshot(TINY, "main", List.of())).isEqualTo(first);
    }

    @Test
    void offlineErrorsNameWhatIsMissing() throws IOException {
        assertThatThrownBy(() -> client(null, true).snapshot(TINY, "main", List.of()))
                .isInstanceOf(Finetune4jException.class).message().doesNotContain("\n")
                .contains("offline", "acme/tiny-bert@main is not in the cache", "refs/main", "finetune4j download acme/tiny-bert");
        Path snap = client(null, false).snapshot(TINY, "main", List.of());
        Files.delete(snap.resolve("model.safetensors"));
        assertThatThrownBy(() -> client(null, true).snapshot(TINY, "main", List.of()))
                .hasMessageContaining("lacks model.safetensors | model.safetensors.index.json");
        hub.close();
        assertThatThrownBy(() -> client(null, false).snapshot(TINY, "dev", List.of()))
                .hasMessageContaining("cannot reach " + hub.endpoint()).hasMessageContaining("is not in the cache");
    }

    @Test
    void resumesAfterACutConnection() throws IOException {
        hub.cuts.set(1);
        Path snap = client(null, false).snapshot(TINY, "main", List.of());
        assertThat(Files.readAllBytes(snap.resolve("model.safetensors"))).isEqualTo(files.get("model.safetensors"));
        String sha = FakeHub.sha256(files.get("model.safetensors"));
        int size = files.get("model.safetensors").length;
        // the second request asks for the rest from where the cut left the partial file
        List<String> gets = hub.log.stream().filter(l -> l.startsWith("STORAGE GET /blobs/" + sha)).toList();
        assertThat(gets).hasSize(2);
        assertThat(gets.get(0)).doesNotContain("bytes=");
        long from = Long.parseLong(gets.get(1).replaceAll(".* bytes=(\\d+)-$", "$1"));
        assertThat(from).isPositive().isLessThan(size);
    }

    @Test
    void aPartialFileLeftByAFailedRunIsResumedByTheNextRun() throws IOException {
        hub.cuts.set(Download.ATTEMPTS);
        int size = files.get("model.safetensors").length;
        // the first attempt gets half; later attempts resume and are cut half way through the rest
        assertThatThrownBy(() -> client(null, false).snapshot(TINY, "main", List.of()))
                .isInstanceOf(Finetune4jException.class).hasMessageContaining("model.safetensors: download cut after")
                .hasMessageContaining("of " + size + " bytes").hasMessageContaining("run again to resume");
        String sha = FakeHub.sha256(files.get("model.safetensors"));
        Path incomplete = tmp.resolve("hub/models--acme--tiny-bert/blobs/" + sha + ".incomplete");
        long have = Files.size(incomplete);
        assertThat(have).isGreaterThan(size / 2).isLessThan(size);
        assertThat(tmp.resolve("hub/models--acme--tiny-bert/snapshots/" + COMMIT + "/model.safetensors")).doesNotExist();
        Path snap = client(null, false).snapshot(TINY, "main", List.of());
        assertThat(hub.log).contains("STORAGE GET /blobs/" + sha + " bytes=" + have + "-");
        assertThat(Files.readAllBytes(snap.resolve("model.safetensors"))).isEqualTo(files.get("model.safetensors"));
        assertThat(incomplete).doesNotExist();
    }

    @Test
    void aCorruptedBodyIsRejectedByItsHashAndNeverCached() throws IOException {
        hub.corruptions.set(1);
        String sha = FakeHub.sha256(files.get("model.safetensors"));
        assertThatThrownBy(() -> client(null, false).snapshot(TINY, "main", List.of()))
                .isInstanceOf(Finetune4jException.class).message().doesNotContain("\n")
                .contains("acme/tiny-bert model.safetensors: downloaded body fails its sha256 check (expected " + sha)
                .contains("nothing was cached");
        Path repo = tmp.resolve("hub/models--acme--tiny-bert");
        assertThat(repo.resolve("blobs/" + sha)).doesNotExist();
        assertThat(repo.resolve("blobs/" + sha + ".incomplete")).doesNotExist();
        assertThat(repo.resolve("snapshots/" + COMMIT + "/model.safetensors")).doesNotExist();
        // the next run downloads a good copy
        Path snap = client(null, false).snapshot(TINY, "main", List.of());
        assertThat(Files.readAllBytes(snap.resolve("model.safetensors"))).isEqualTo(files.get("model.safetensors"));
    }

    @Test
    void aGitFileIsCheckedByItsBlobSha1() throws IOException {
        // a Hub whose ETag does not match the bytes it sends for a small (git) file
        FakeHub.Repo liar = hub.repo("models/acme/liar");
        Map<String, byte[]> f = new LinkedHashMap<>(files);
        liar.commit(COMMIT, f, "main");
        Download.Expect expect = new Download.Expect(3, null, FakeHub.gitSha1("abc".getBytes(StandardCharsets.UTF_8)));
        Path file = tmp.resolve("x.incomplete");
        Files.writeString(file, "abd");
        assertThatThrownBy(() -> Download.fetch(new HubHttp(settings(null, false)), URI.create(hub.endpoint() + "/none"), file,
                tmp.resolve("x"), expect, "x", Progress.NONE)).hasMessageContaining("fails its git sha1 check");
        assertThat(file).doesNotExist();
        assertThat(tmp.resolve("x")).doesNotExist();
    }

    @Test
    void privateRepoWithoutTokenIs401WithAClearError() {
        hub.repos.get("models/acme/tiny-bert").token = TOKEN;
        assertThatThrownBy(() -> client(null, false).snapshot(TINY, "main", List.of()))
                .isInstanceOf(Finetune4jException.class).message().doesNotContain("\n")
                .contains("acme/tiny-bert@main: HTTP 401", "private, gated or does not exist", "set HF_TOKEN");
        assertThatThrownBy(() -> client("hf_wrong", false).snapshot(TINY, "main", List.of()))
                .hasMessageContaining("HTTP 401").hasMessageContaining("token (HF_TOKEN or HF_HOME/token) was refused");
        Path snap = client(TOKEN, false).snapshot(TINY, "main", List.of());
        assertThat(snap.resolve("model.safetensors")).exists();
        // the bearer token went to the Hub, never to the storage host it redirects to
        assertThat(hub.log).anyMatch(l -> l.startsWith("HUB HEAD") && l.endsWith(" auth"));
        assertThat(hub.log).filteredOn(l -> l.startsWith("STORAGE")).isNotEmpty().noneMatch(l -> l.contains("auth"));
    }

    @Test
    void missingRevisionIs404WithAClearError() {
        assertThatThrownBy(() -> client(null, false).snapshot(TINY, "no-such-branch", List.of()))
                .isInstanceOf(Finetune4jException.class).message().doesNotContain("\n")
                .contains("acme/tiny-bert@no-such-branch: HTTP 404", "revision 'no-such-branch' does not exist in acme/tiny-bert");
        assertThat(tmp.resolve("hub/models--acme--tiny-bert/refs/no-such-branch")).doesNotExist();
    }

    @Test
    void aCacheLaidOutByHandAsHuggingfaceHubDoesIsUsedOffline() throws IOException {
        // exactly what huggingface_hub writes: blobs named by etag, refs/main, relative links
        Path repo = tmp.resolve("hub/models--acme--hand-made");
        Files.createDirectories(repo.resolve("blobs"));
        Files.createDirectories(repo.resolve("refs"));
        Path snap = Files.createDirectories(repo.resolve("snapshots").resolve(OLD_COMMIT));
        Files.writeString(repo.resolve("refs/main"), OLD_COMMIT);
        for (String name : List.of("config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors")) {
            byte[] b = files.get(name);
            String etag = name.endsWith(".safetensors") ? FakeHub.sha256(b) : FakeHub.gitSha1(b);
            Files.write(repo.resolve("blobs").resolve(etag), b);
            Files.createSymbolicLink(snap.resolve(name), Path.of("../../blobs").resolve(etag));
        }
        RepoId id = RepoId.model("acme/hand-made");
        assertThat(client(null, true).snapshot(id, "main", List.of())).isEqualTo(snap);
        assertThat(client(null, true).snapshot(id, OLD_COMMIT, List.of())).isEqualTo(snap);
        assertThat(Locator.model("acme/hand-made", settings(null, true), null)).isEqualTo(snap);
        assertThat(Locator.model("acme/hand-made@main", settings(null, true), null)).isEqualTo(snap);
        try (WeightFiles w = WeightFiles.open(snap)) {
            assertThat(w.names()).isNotEmpty();
        }
        assertThat(hub.log).isEmpty();
    }

    @Test
    void theTokenNeverAppearsInLogsErrorsOrFiles() throws IOException {
        hub.repos.get("models/acme/tiny-bert").token = TOKEN;
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(logged, true, StandardCharsets.UTF_8);
        HubSettings s = settings(TOKEN, false);
        List<String> texts = new ArrayList<>();
        texts.add(s.toString());
        texts.add(new HubClient(s, Progress.NONE, log).snapshot(TINY, "main", List.of()).toString());
        for (String rev : List.of("missing", "main")) {
            hub.corruptions.set(rev.equals("main") ? 0 : 1);
            try {
                new HubClient(s, Progress.NONE, log).snapshot(rev.equals("main") ? RepoId.model("acme/other") : TINY, rev, List.of());
            } catch (Finetune4jException e) {
                texts.add(e.getMessage());
                texts.add(String.valueOf(e.getCause()));
            }
        }
        HubSettings wrong = new HubSettings(URI.create(hub.endpoint()), tmp.resolve("hub"), TOKEN + "x", false);
        try {
            new HubClient(wrong, Progress.NONE, log).snapshot(TINY, "main", List.of());
        } catch (Finetune4jException e) {
            texts.add(e.getMessage());
        }
        texts.add(logged.toString(StandardCharsets.UTF_8));
        assertThat(texts).hasSizeGreaterThan(4).noneMatch(t -> t.contains(TOKEN) || t.contains("SeCrEt"));
        try (Stream<Path> all = Files.walk(tmp)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(p, StandardCharsets.ISO_8859_1)).as(p.toString()).doesNotContain("SeCrEt");
            }
        }
    }

    @Test
    void twoThreadsDownloadingIntoOneCacheDoNotCorruptIt() throws Exception {
        hub.slowMillis = 2;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<Path> job = () -> client(null, false).snapshot(TINY, "main", List.of());
            Future<Path> a = pool.submit(job);
            Future<Path> b = pool.submit(job);
            assertThat(a.get()).isEqualTo(b.get());
            Path snap = a.get();
            for (String name : List.of("config.json", "vocab.txt", "model.safetensors")) {
                assertThat(Files.readAllBytes(snap.resolve(name))).isEqualTo(files.get(name));
            }
        } finally {
            pool.shutdownNow();
        }
        String sha = FakeHub.sha256(files.get("model.safetensors"));
        assertThat(hub.count("STORAGE GET /blobs/" + sha)).isEqualTo(1);
        assertThat(names(tmp.resolve("hub/models--acme--tiny-bert/blobs"))).noneMatch(n -> n.endsWith(".incomplete"));
        assertThat(names(tmp.resolve("hub/models--acme--tiny-bert/snapshots/" + COMMIT))).noneMatch(n -> n.endsWith(".tmp"));
    }

    @Test
    void shardedWeightsComeFromTheIndexAndPicklesNever() throws IOException {
        Map<String, byte[]> f = new LinkedHashMap<>();
        f.put("config.json", files.get("config.json"));
        f.put("model.safetensors.index.json", ("{\"metadata\":{},\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\","
                + "\"b\":\"model-00002-of-00002.safetensors\"}}").getBytes(StandardCharsets.UTF_8));
        f.put("model-00001-of-00002.safetensors", "shard one".getBytes(StandardCharsets.UTF_8));
        f.put("model-00002-of-00002.safetensors", "shard two".getBytes(StandardCharsets.UTF_8));
        f.put("model-00003-of-00003.safetensors", "stale shard".getBytes(StandardCharsets.UTF_8));
        f.put("pytorch_model.bin", "pickle".getBytes(StandardCharsets.UTF_8));
        FakeHub.Repo r = hub.repo("models/big");
        r.lfs.addAll(List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"));
        r.commit(COMMIT, f, "main");
        Path snap = client(null, false).snapshot(RepoId.model("big"), "main", List.of());
        assertThat(names(snap)).containsExactlyInAnyOrder("config.json", "model.safetensors.index.json",
                "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors");
        assertThat(tmp.resolve("hub/models--big")).isDirectory();

        FakeHub.Repo p = hub.repo("models/acme/pickled");
        p.commit(COMMIT, Map.of("config.json", files.get("config.json"), "pytorch_model.bin", "x".getBytes()), "main");
        assertThatThrownBy(() -> client(null, false).snapshot(RepoId.model("acme/pickled"), "main", List.of()))
                .hasMessageContaining("has no safetensors weights").hasMessageContaining("only pickle files [pytorch_model.bin]");
    }

    @Test
    void includeGlobsAndDatasets() throws IOException {
        FakeHub.Repo d = hub.repo("datasets/acme/reviews");
        d.lfs.add("data/train.parquet");
        d.commit(COMMIT, Map.of("data/train.csv", "text,label\nok,1\n".getBytes(), "data/train.parquet", "PAR1".getBytes(),
                "README.md", "# r".getBytes(), "script.pkl", "x".getBytes()), "main");
        RepoId ds = RepoId.dataset("acme/reviews");
        Path snap = client(null, false).snapshot(ds, "main", List.of("**.csv"));
        assertThat(Files.readString(snap.resolve("data/train.csv"))).startsWith("text,label");
        assertThat(Files.readSymbolicLink(snap.resolve("data/train.csv")).toString()).startsWith("../../../blobs/");
        assertThat(snap.resolve("data/train.parquet")).doesNotExist();
        assertThat(client(null, true).snapshot(ds, "main", List.of("data/*.csv"))).isEqualTo(snap);
        assertThatThrownBy(() -> client(null, true).snapshot(ds, "main", List.of("*.parquet")))
                .hasMessageContaining("lacks a file matching *.parquet");
        assertThat(client(null, false).snapshot(ds, "main", List.of())).isEqualTo(snap);
        assertThat(names(snap.resolve("data"))).containsExactlyInAnyOrder("train.csv", "train.parquet");
        assertThat(snap.resolve("script.pkl")).doesNotExist();
        Path file = Locator.data(Path.of("hf://datasets/acme/reviews@main/data/train.csv"), settings(null, true), null);
        assertThat(file).isEqualTo(snap.resolve("data/train.csv"));
        assertThat(Locator.data(Path.of("hf://datasets/acme/reviews/data/train.csv"), settings(null, true), null)).isEqualTo(file);
        assertThatThrownBy(() -> client(null, false).snapshot(ds, "main", List.of("*.bin")))
                .hasMessageContaining("no file matches *.bin");
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
