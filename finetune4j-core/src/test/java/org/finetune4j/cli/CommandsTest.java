package org.finetune4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.finetune4j.Fixtures;
import org.finetune4j.eval.InputsJson;
import org.finetune4j.io.WeightFiles;
import org.finetune4j.model.Head;
import org.finetune4j.model.Inputs;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Torch;
import org.finetune4j.tokenize.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The subcommands end to end through {@link Main}: init, inspect, forward, generate, help; save and load. */
class CommandsTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path tmp;

    // ---- init ----

    @Test
    void initThenInspect() throws IOException {
        Path out = init("a", 3);
        CliRun r = CliRun.of("inspect", out, "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode o = MAPPER.readTree(r.out());
        assertThat(o.get("class").asText()).isEqualTo("BertForSequenceClassification");
        assertThat(o.get("newly_initialised").size()).isZero();
        assertThat(o.get("unexpected").size()).isZero();
        assertThat(o.get("tokenizer").isObject()).isTrue();
        assertThat(o.at("/tokenizer/kind").asText()).isEqualTo("wordpiece (vocab.txt)");
    }

    @Test
    void initIsDeterministicBySeed() throws IOException {
        byte[] a = Files.readAllBytes(init("a", 3).resolve("model.safetensors"));
        byte[] b = Files.readAllBytes(init("b", 3).resolve("model.safetensors"));
        byte[] c = Files.readAllBytes(init("c", 4).resolve("model.safetensors"));
        assertThat(a).isEqualTo(b);
        assertThat(Arrays.equals(a, c)).as("seed 4 differs from seed 3").isFalse();
    }

    @Test
    void initRefusesAFolderThatIsNotEmpty() throws IOException {
        Path out = Files.createDirectory(tmp.resolve("taken"));
        Path keep = Files.writeString(out.resolve("keep.txt"), "mine");
        CliRun r = CliRun.of("init", "--config", Fixtures.dir("bert-seqcls").resolve("config.json"), "--out", out);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("error: " + out + ": ").contains("already exists");
        try (var s = Files.list(out)) {
            assertThat(s.toList()).containsExactly(keep);
        }
        assertThat(Files.readString(keep)).isEqualTo("mine");
        try (var s = Files.list(tmp)) {
            assertThat(s.toList()).as("no temporary folder left").containsExactly(out);
        }
    }

    /** Transformers' _init_weights: zero biases, unit LayerNorm weights, zero padding row, normal(0, 0.1) weights. */
    @Test
    void initialisedWeightsFollowTheRules() throws IOException {
        try (WeightFiles w = WeightFiles.open(init("a", 3))) {
            List<String> checkedStd = new ArrayList<>();
            for (String name : w.names()) {
                float[] v = floats(w.data(name));
                if (name.endsWith(".bias")) {
                    assertThat(v).as(name).containsOnly(0f);
                } else if (name.endsWith("LayerNorm.weight")) {
                    assertThat(v).as(name).containsOnly(1f);
                } else if (v.length >= 1000) {
                    if (name.equals("bert.embeddings.word_embeddings.weight")) { // pad_token_id 0, hidden 32
                        assertThat(Arrays.copyOfRange(v, 0, 32)).as("padding row").containsOnly(0f);
                        v = Arrays.copyOfRange(v, 32, v.length);
                    }
                    assertThat(mean(v)).as(name + " mean").isCloseTo(0, within(0.01));
                    assertThat(std(v)).as(name + " std").isCloseTo(0.1, within(0.01));
                    checkedStd.add(name);
                }
            }
            assertThat(checkedStd).contains("bert.embeddings.word_embeddings.weight",
                    "bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.1.output.dense.weight");
        }
    }

    @Test
    void initWithAnUnknownHeadIsBadUsage() {
        CliRun r = CliRun.of("init", "--config", Fixtures.dir("bert-seqcls").resolve("config.json"), "--out", tmp.resolve("x"),
                "--head", "bogus");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: --head: unknown head 'bogus' (supported: sequence-classification,");
        assertThat(tmp.resolve("x")).doesNotExist();
    }

    // ---- forward ----

    @Test
    void forwardMatchesTheGoldenLoss() throws IOException {
        Path dir = Fixtures.dir("bert-seqcls");
        CliRun r = CliRun.of("forward", dir, "--inputs", dir.resolve("golden.json"));
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode o = MAPPER.readTree(r.out());
        double expected = Fixtures.golden("bert-seqcls").at("/expected/loss").doubleValue();
        assertThat(o.get("loss").doubleValue()).isCloseTo(expected, within(1e-5));
    }

    // ---- generate ----

    @Test
    void generateEqualsAReferenceGreedyLoop() throws IOException {
        Path dir = Fixtures.dir("gpt2-lm");
        CliRun r = CliRun.of("generate", "--model", dir, "--prompt", "hello world", "--max-new-tokens", "5", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode o = MAPPER.readTree(r.out());
        long eos = Fixtures.json(dir.resolve("generation_config.json")).get("eos_token_id").asLong();
        long[] prompt;
        try (Tokenizer tok = Tokenizer.load(dir)) {
            prompt = tok.encode("hello world", null, 0, false).ids();
        }
        List<Long> expected = referenceGreedy(dir, prompt, 5, eos);
        assertThat(longs(o.get("prompt_ids"))).containsExactly(prompt);
        assertThat(longs(o.get("generated_ids"))).containsExactly(expected.stream().mapToLong(Long::longValue).toArray());
        assertThat(o.get("generated_ids").size()).isBetween(1, 5);
        assertThat(o.get("text").asText()).startsWith("hello world");
    }

    /** Argmax of the last position, appended, until EOS or n tokens; the whole sequence each step. */
    private static List<Long> referenceGreedy(Path dir, long[] prompt, int n, long eos) {
        List<Long> seq = new ArrayList<>();
        Arrays.stream(prompt).forEach(seq::add);
        List<Long> out = new ArrayList<>();
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(dir, Head.CAUSAL_LM, 0).model();
            while (out.size() < n && (out.isEmpty() || out.get(out.size() - 1) != eos)) {
                long[] ids = seq.stream().mapToLong(Long::longValue).toArray();
                float[] logits = model.forward(Inputs.of(Torch.tensor(ids, 1, ids.length), null), Forward.eval())
                        .logits().select(0, 0).select(0, -1).toFloatArray(); // [V]
                long next = 0;
                for (int i = 1; i < logits.length; i++) {
                    next = logits[i] > logits[(int) next] ? i : next;
                }
                seq.add(next);
                out.add(next);
            }
        }
        return out;
    }

    // ---- save and load ----

    @ParameterizedTest
    @ValueSource(strings = {"bert-seqcls", "bert-mlm", "distilbert-seqcls", "roberta-seqcls", "gpt2-lm", "opt-lm", "llama-lm"})
    void saveThenLoadGivesTheSameLogits(String fixture) throws IOException {
        JsonNode golden = Fixtures.golden(fixture);
        Path saved = tmp.resolve(fixture);
        try (Scope scope = Scope.open()) {
            Pretrained.Loaded original = Pretrained.load(Fixtures.dir(fixture), null, 0);
            Pretrained.save(original.model(), saved);
            Pretrained.Loaded reloaded = Pretrained.load(saved, null, 0);
            assertThat(reloaded.report().newlyInitialised()).isEqualTo(original.report().newlyInitialised());
            assertThat(reloaded.report().unexpected()).isEmpty();
            assertThat(logits(reloaded.model(), golden)).isEqualTo(logits(original.model(), golden));
        }
        JsonNode before = Fixtures.json(Fixtures.dir(fixture).resolve("config.json"));
        JsonNode after = Fixtures.json(saved.resolve("config.json"));
        before.fieldNames().forEachRemaining(k -> {
            if (!k.equals("architectures")) {
                assertThat(after.get(k)).as(k).isEqualTo(before.get(k));
            }
        });
        assertThat(after.get("architectures").toString()).isEqualTo("[\"" + golden.get("model_class").asText() + "\"]");
    }

    private static float[] logits(TransformerModel model, JsonNode golden) {
        try (Scope scope = Scope.open()) {
            Inputs in = InputsJson.read(golden);
            return model.forward(in, Forward.eval()).logits().toFloatArray();
        }
    }

    // ---- help and usage ----

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "tokenize", "forward", "init", "generate", "bench", "attention", "curves", "report", "demo"})
    void everySubcommandHasHelpAndRefusesUnknownOptions(String command) {
        CliRun help = CliRun.of(command, "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).startsWith("Usage: finetune4j " + command);
        assertThat(CliRun.of("help", command).out()).isEqualTo(help.out());
        Path dir = Fixtures.dir("bert-seqcls");
        List<Object> args = new ArrayList<>(List.of(command));
        args.addAll(switch (command) { // the required arguments, so only the unknown option is wrong
            case "inspect" -> List.of(dir);
            case "tokenize" -> List.of(dir, "hi");
            case "forward" -> List.of(dir, "--inputs", dir.resolve("golden.json"));
            case "init" -> List.of("--config", dir.resolve("config.json"), "--out", tmp.resolve("out"));
            case "generate" -> List.of("--model", Fixtures.dir("gpt2-lm"));
            case "attention" -> List.of("--model", dir, "--text", "hi", "--out", tmp.resolve("out.png"));
            case "curves", "report" -> List.of(tmp);
            default -> List.of();
        });
        args.add("--no-such-option");
        CliRun bad = CliRun.of(args.toArray());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.out()).isEmpty();
        assertThat(tmp.resolve("out")).doesNotExist();
        assertThat(bad.err()).contains("Unknown option: '--no-such-option'");
    }

    @Test
    void topLevelHelpListsTheSubcommands() {
        CliRun help = CliRun.of("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("inspect", "tokenize", "forward", "init", "generate", "bench", "attention", "curves",
                "report", "demo");
        assertThat(CliRun.of("--no-such-option").code()).isEqualTo(2);
        assertThat(CliRun.of("no-such-command").code()).isEqualTo(2);
    }

    // ---- helpers ----

    private Path init(String name, long seed) {
        Path out = tmp.resolve(name);
        Path fixture = Fixtures.dir("bert-seqcls");
        CliRun r = CliRun.of("init", "--config", fixture.resolve("config.json"), "--out", out,
                "--seed", seed, "--tokenizer", fixture);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("wrote " + out + ": BertForSequenceClassification");
        return out;
    }

    private static float[] floats(ByteBuffer b) {
        FloatBuffer f = b.order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] v = new float[f.remaining()];
        f.get(v);
        return v;
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double std(float[] v) {
        double mu = mean(v);
        double s = 0;
        for (float x : v) {
            s += (x - mu) * (x - mu);
        }
        return Math.sqrt(s / v.length);
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }
}
