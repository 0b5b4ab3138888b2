package org.finetune4j.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.finetune4j.cli.Main;
import org.finetune4j.recipe.SequenceClassification;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI with Hub ids: {@code download}, a model id on a command, a recipe whose model and data come from the Hub. */
class HubCommandsTest {

    record Run(int code, String out, String err) {}

    @TempDir
    Path tmp;
    FakeHub hub;
    Map<String, byte[]> files;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        files = HubClientTest.fixtureRepo();
        FakeHub.Repo repo = hub.repo("models/acme/tiny-bert");
        repo.lfs.add("model.safetensors");
        repo.commit(HubClientTest.COMMIT, files, "main");
        String csv = "sentence,label\na good movie,positive\nthe bad coffee,negative\nnice and warm,positive\n"
                + "cold and late,negative\ngreat music,positive\nthe old room,negative\n";
        hub.repo("datasets/acme/reviews").commit(HubClientTest.OLD_COMMIT, Map.of("data/train.csv", csv.getBytes(),
                "README.md", "# reviews".getBytes()), "main");
        System.setProperty("HF_ENDPOINT", hub.endpoint());
        System.setProperty("HF_HUB_CACHE", tmp.resolve("cache").toString());
        System.setProperty("HF_HUB_OFFLINE", "0");
    }

    @AfterEach
    void stop() {
        hub.close();
        for (String p : List.of("HF_ENDPOINT", "HF_HUB_CACHE", "HF_HUB_OFFLINE")) {
            System.clearProperty(p);
        }
    }

    static Run cli(Object... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] argv = java.util.Arrays.stream(args).map(Object::toString).toArray(String[]::new);
        int code;
        try (PrintWriter o = new PrintWriter(out, true); PrintWriter e = new PrintWriter(err, true)) {
            code = Main.run(o, e, argv);
        }
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void downloadPrintsTheSnapshotFolderOnlineAndOffline() {
        Path snap = tmp.resolve("cache/models--acme--tiny-bert/snapshots").resolve(HubClientTest.COMMIT);
        Run r = cli("download", "acme/tiny-bert");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo(snap.toString());
        assertThat(snap.resolve("model.safetensors")).exists();
        hub.close();
        Run offline = cli("download", "acme/tiny-bert", "--offline");
        assertThat(offline.out().strip()).isEqualTo(snap.toString());
        Run missing = cli("download", "acme/other", "--offline");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().strip()).startsWith("error: offline (HF_HUB_OFFLINE or --offline): acme/other@main is not in the cache")
                .doesNotContain("\n");
    }

    @Test
    void downloadErrorsAreOneLine() {
        Run r = cli("download", "acme/tiny-bert", "--revision", "nope");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("error: acme/tiny-bert@nope: HTTP 404: revision 'nope' does not exist").doesNotContain("\n");
        Run bad = cli("download", "not a repo");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("is not a Hub repository id");
        Run type = cli("download", "acme/tiny-bert", "--repo-type", "space");
        assertThat(type.err()).contains("repo type 'space' is not one of model, dataset");
    }

    @Test
    void datasetIncludeGlob() {
        Run r = cli("download", "acme/reviews", "--repo-type", "dataset", "--include", "data/*.csv");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Path.of(r.out().strip()).resolve("data/train.csv")).exists();
        assertThat(Path.of(r.out().strip()).resolve("README.md")).doesNotExist();
    }

    @Test
    void aCommandTakesAHubIdAndRunsOfflineFromTheCache() {
        Run online = cli("tokenize", "acme/tiny-bert", "hello world", "--json");
        assertThat(online.code()).as(online.err()).isZero();
        hub.close();
        Run offline = cli("tokenize", "acme/tiny-bert@main", "hello world", "--json", "--offline");
        assertThat(offline.code()).as(offline.err()).isZero();
        assertThat(offline.out()).isEqualTo(online.out());
        Run local = cli("tokenize", HubClientTest.MODEL, "hello world", "--json");
        assertThat(local.out()).isEqualTo(online.out());
    }

    @Test
    void theHubExampleRecipeParses() {
        org.finetune4j.recipe.Recipe r = org.finetune4j.recipe.Recipe.load(Path.of("examples/sst2-hub.yaml"), List.of());
        assertThat(r.model().path()).doesNotExist();
        assertThat(RepoId.looksLikeId(r.model().path().toString())).isTrue();
        assertThat(Locator.isHubData(((SequenceClassification) r.task()).train())).isTrue();
        assertThat(Locator.isHubData(((SequenceClassification) r.task()).validation())).isTrue();
    }

    @Test
    void aRecipeTrainsAHubModelOnAHubDatasetFile() throws IOException {
        Path recipe = tmp.resolve("recipe.yaml");
        Files.writeString(recipe, String.join("\n",
                "model:", "  path: acme/tiny-bert",
                "data:", "  train: hf://datasets/acme/reviews/data/train.csv", "  text_column: sentence", "  validation_split: 0.3",
                "training:", "  output_dir: " + tmp.resolve("out"), "  max_steps: 2", "  per_device_train_batch_size: 2",
                "  save_strategy: 'no'", ""));
        Run r = cli("train", recipe);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(tmp.resolve("out/model.safetensors")).exists();
        assertThat(tmp.resolve("cache/datasets--acme--reviews/snapshots").resolve(HubClientTest.OLD_COMMIT).resolve("data/train.csv"))
                .exists();
    }
}
