package org.finetune4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code finetune4j tokenize} through {@link Main#run}, with stdout and stderr captured. */
class TokenizeCommandTest {

    record Result(int code, String out, String err) {}

    @Test
    void jsonOutputOfAPairWithPadding() throws Exception {
        Result r = run("tokenize", fixture("bert-seqcls"), "is it good?", "--pair", "yes", "--max-length", "12", "--json");
        assertThat(r.code()).isZero();
        JsonNode n = new ObjectMapper().readTree(r.out());
        assertThat(n.get("input_ids").toString()).isEqualTo("[2,176,178,166,25,3,71,77,91,3,0,0]");
        assertThat(n.get("token_type_ids").toString()).isEqualTo("[0,0,0,0,0,0,1,1,1,1,0,0]");
        assertThat(n.get("attention_mask").toString()).isEqualTo("[1,1,1,1,1,1,1,1,1,1,0,0]");
        assertThat(n.get("tokens").get(0).asText()).isEqualTo("[CLS]");
        assertThat(n.get("tokens").get(11).asText()).isEqualTo("[PAD]");
    }

    @Test
    void plainOutputIsATable() {
        Result r = run("tokenize", fixture("gpt2-lm"), "is it good?");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("byte-level bpe (vocab.json + merges.txt), 5 tokens");
        assertThat(r.out()).contains("Ġgood").containsPattern("\\s3\\s+384\\s+0\\s+1\\s+Ġgood");
    }

    @Test
    void errorsAreOneLineWithExitCodes() {
        Result missing = run("tokenize", "no-such-model-folder", "hi");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().strip()).startsWith("error: no-such-model-folder: no such folder; as a model on the Hub: offline")
                .doesNotContain("\n");
        assertThat(run("tokenize", fixture("bert-seqcls"), "hi", "--max-length", "-1").code()).isEqualTo(2);
        assertThat(run("tokenize", fixture("bert-seqcls"), "hi", "--pair", "yo", "--max-length", "2").code()).isEqualTo(2);
        assertThat(run("tokenize", "--help").out()).contains("MODEL_DIR", "--pair", "--max-length", "--json");
    }

    private static String fixture(String name) {
        try {
            return Path.of(TokenizeCommandTest.class.getResource("/fixtures/" + name).toURI()).toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static synchronized Result run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
