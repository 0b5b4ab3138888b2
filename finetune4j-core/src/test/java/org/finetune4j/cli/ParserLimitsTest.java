package org.finetune4j.cli;

import static org.finetune4j.cli.BadInputTest.assertError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.finetune4j.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile JSON and YAML: huge keys and strings, deep nesting, malformed text end in one line naming the file. */
class ParserLimitsTest {

    @TempDir
    Path tmp;

    private static final String DEEP = "[".repeat(2000) + "]".repeat(2000);

    @Test
    void aHugeKeyInARecipeIsRefusedBeforeParsing() throws IOException {
        Path r = Files.writeString(tmp.resolve("r.yaml"), "model:\n  path: x\n" + "a".repeat(1_000_000) + ": 1\n");
        assertError(CliRun.of("train", r), r, ":3: a line of 1000003 characters; recipe lines hold at most 10000");
        Path big = Files.writeString(tmp.resolve("big.yaml"), ("# " + "a".repeat(1000) + "\n").repeat(2000));
        assertError(CliRun.of("train", big), big, "bytes; a recipe holds at most 1048576");
    }

    @Test
    void deeplyNestedFilesNameTheFile() throws IOException {
        Path r = Files.writeString(tmp.resolve("deep.yaml"), "model: " + DEEP + "\n");
        assertError(CliRun.of("train", r), r, "not valid YAML: nested too deeply (Document nesting depth");
        Path deep = Files.writeString(tmp.resolve("deep.json"), DEEP);
        assertError(CliRun.of("forward", Fixtures.dir("bert-seqcls"), "--inputs", deep), deep, "not valid JSON (Document nesting depth");
        assertError(CliRun.of("squad-eval", "--data", deep, "--predictions", deep), deep, "Document nesting depth");
        Path dir = BadInputTest.copy(tmp, "bert-seqcls");
        Files.writeString(dir.resolve("config.json"), DEEP);
        assertError(CliRun.of("inspect", dir), dir.resolve("config.json"), "not valid JSON (Document nesting depth");
    }

    @Test
    void aFiftyMegabyteStringNamesTheFile() throws IOException {
        Path dir = BadInputTest.copy(tmp, "bert-seqcls");
        Path cfg = Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"" + "a".repeat(50_000_000) + "\"}");
        assertError(CliRun.of("inspect", dir), cfg, "not valid JSON (String value length", "exceeds the maximum allowed");
    }

    @Test
    void malformedYamlGivesTheLineAndAPlainSentence() throws IOException {
        Path indent = Files.writeString(tmp.resolve("indent.yaml"), "model:\n  path: x\n bad: [\n");
        assertError(CliRun.of("train", indent), indent.resolve(""), indent + ":3: not valid YAML: this line is indented"
                + " differently from the keys above it");
        Path tab = Files.writeString(tmp.resolve("tab.yaml"), "model:\n\tpath: x\n");
        assertError(CliRun.of("train", tab), tab, tab + ":2: not valid YAML: a tab; YAML indents with spaces");
        Path colon = Files.writeString(tmp.resolve("colon.yaml"), "model:\n  path: x: y\n");
        assertError(CliRun.of("train", colon), colon, colon + ":2: not valid YAML: a second ':' on this line; quote the value");
    }
}
