package org.finetune4j.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings read as huggingface_hub reads them; repository ids; the tokenizer file list kept in step. */
class HubSettingsTest {

    @TempDir
    Path tmp;

    @Test
    void defaultsAndOverrides() throws IOException {
        HubSettings d = HubSettings.from(Map.of("user.home", "/home/u"));
        assertThat(d.endpoint().toString()).isEqualTo(HubSettings.DEFAULT_ENDPOINT);
        assertThat(d.cache()).isEqualTo(Path.of("/home/u/.cache/huggingface/hub"));
        assertThat(d.isOffline()).isFalse();
        assertThat(HubSettings.from(Map.of("user.home", "/h", "XDG_CACHE_HOME", "/x")).cache()).isEqualTo(Path.of("/x/huggingface/hub"));
        assertThat(HubSettings.from(Map.of("user.home", "/h", "HF_HOME", "~/hf")).cache()).isEqualTo(Path.of("/h/hf/hub"));
        assertThat(HubSettings.from(Map.of("user.home", "/h", "HF_HOME", "/a", "HF_HUB_CACHE", "/b")).cache()).isEqualTo(Path.of("/b"));
        assertThat(HubSettings.from(Map.of("user.home", "/h", "HF_ENDPOINT", "http://mirror:8080/")).endpoint().toString())
                .isEqualTo("http://mirror:8080");
        for (String on : List.of("1", "true", "YES", "on")) {
            assertThat(HubSettings.from(Map.of("user.home", "/h", "HF_HUB_OFFLINE", on)).isOffline()).isTrue();
        }
        assertThat(HubSettings.from(Map.of("user.home", "/h", "HF_HUB_OFFLINE", "0")).isOffline()).isFalse();
        assertThatThrownBy(() -> HubSettings.from(Map.of("user.home", "/h", "HF_ENDPOINT", "ftp://x")))
                .hasMessageContaining("HF_ENDPOINT must be an http(s) URL");
    }

    @Test
    void tokenFromTheEnvironmentOrTheTokenFileAndNeverInToString() throws IOException {
        Path home = Files.createDirectories(tmp.resolve("hf"));
        assertThat(HubSettings.from(Map.of("user.home", "/h", "HF_HOME", home.toString())).hasToken()).isFalse();
        Files.writeString(home.resolve("token"), "hf_FromFile123\n");
        HubSettings s = HubSettings.from(Map.of("user.home", "/h", "HF_HOME", home.toString()));
        assertThat(s.token()).isEqualTo("hf_FromFile123");
        assertThat(s.toString()).contains("token=set").doesNotContain("FromFile");
        HubSettings env = HubSettings.from(Map.of("user.home", "/h", "HF_HOME", home.toString(), "HF_TOKEN", "hf_Env456"));
        assertThat(env.token()).isEqualTo("hf_Env456");
        assertThat(env.offline().toString()).doesNotContain("Env456");
    }

    @Test
    void repositoryIds() {
        assertThat(RepoId.model("gpt2").folderName()).isEqualTo("models--gpt2");
        assertThat(RepoId.model("facebook/opt-6.7b").folderName()).isEqualTo("models--facebook--opt-6.7b");
        assertThat(RepoId.dataset("stanfordnlp/sst2").folderName()).isEqualTo("datasets--stanfordnlp--sst2");
        for (String bad : List.of("a/b/c", "../x", "a--b", "/abs", "a/", "", "x y", "a/.hidden", "dots..name")) {
            assertThat(RepoId.looksLikeId(bad)).as(bad).isFalse();
        }
        assertThatThrownBy(() -> RepoId.model("a/b/c")).hasMessageContaining("is not a Hub repository id");
        assertThat(HubHttp.normalizeEtag("W/\"abc\"")).isEqualTo("abc");
        assertThat(HubHttp.normalizeEtag("\"abc\"")).isEqualTo("abc");
        assertThatThrownBy(() -> new HubCache(tmp).ref(RepoId.model("x"), "../../escape")).hasMessageContaining("cannot name a ref file");
        assertThatThrownBy(() -> HubCache.inside(tmp, "../outside.json")).hasMessageContaining("would land outside");
    }

    @Test
    void theTokenizerFileListMatchesTheTokenizers() {
        assertThat(RepoFiles.TOKENIZER).isEqualTo(org.finetune4j.tokenize.Tokenizer.FILES);
        assertThat(RepoFiles.isPickle("pytorch_model.bin")).isTrue();
        assertThat(RepoFiles.isPickle("sub/optimizer.pt")).isTrue();
        assertThat(RepoFiles.isPickle("model.safetensors")).isFalse();
    }
}
