package org.finetune4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.finetune4j.cli.BadInputTest.assertError;
import static org.finetune4j.cli.BadInputTest.copy;
import static org.finetune4j.cli.BadInputTest.editConfig;
import static org.finetune4j.cli.BadInputTest.rewriteHeader;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.finetune4j.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights the model does not find: a backbone weight the file lacks is an error naming it, a new head and
 * unused keys are one line each, and eval / predict / generate refuse a head that was never trained.
 */
class LoadReportTest {

    @TempDir
    Path tmp;

    @Test
    void aBackboneWeightMissingFromTheFileIsAnErrorNamingIt() throws IOException {
        Path bert = copy(tmp, "bert-seqcls");
        Path st = bert.resolve("model.safetensors");
        renameTensor(st, "bert.embeddings.word_embeddings.weight", "bert.embeddings.word_embeddingw.weight"); // one flipped bit
        for (CliRun r : new CliRun[] {CliRun.of("inspect", bert), CliRun.of("inspect", bert, "--json"),
            CliRun.of("forward", bert, "--inputs", Fixtures.dir("bert-seqcls").resolve("golden.json")),
            CliRun.of("predict", "--model", bert, "a good movie")}) {
            assertError(r, st, "1 backbone weights are not in the file: bert.embeddings.word_embeddings.weight",
                    "model.allow_missing");
        }
        Path gpt2 = copy(tmp, "gpt2-lm");
        renameTensor(gpt2.resolve("model.safetensors"), "transformer.wte.weight", "transformer.wtf.weight");
        assertError(CliRun.of("generate", "--model", gpt2, "--prompt", "hi"), gpt2.resolve("model.safetensors"),
                "transformer.wte.weight");
    }

    @Test
    void aConfigWithoutItsLayerCountDoesNotBuildRandomLayers() throws IOException {
        Path dir = copy(tmp, "bert-seqcls");
        editConfig(dir, c -> c.remove("num_hidden_layers"));
        assertError(CliRun.of("inspect", dir), dir.resolve("model.safetensors"), "backbone weights are not in the file",
                "bert.encoder.layer.2.", "12 layers", "Transformers' default");
    }

    @Test
    void aModelTypeThatDoesNotMatchTheWeightsIsAnError() throws IOException {
        Path dir = copy(tmp, "bert-seqcls");
        editConfig(dir, c -> c.put("model_type", "gpt2"));
        assertError(CliRun.of("inspect", dir), dir.resolve("model.safetensors"),
                "tensors belongs to a GPT2ForSequenceClassification", "model_type 'gpt2' match the weights?");
    }

    @Test
    void aNewHeadAndUnusedKeysAreOneLineEachInPlainInspect() throws IOException {
        Path dir = copy(tmp, "bert-mlm");
        editConfig(dir, c -> c.putArray("architectures").add("BertForSequenceClassification"));
        CliRun r = CliRun.of("inspect", dir);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("newly initialised")))
                .containsExactly("newly initialised (not in the checkpoint): bert.pooler.dense.weight, bert.pooler.dense.bias,"
                        + " classifier.weight, classifier.bias");
        assertThat(r.out().lines().filter(l -> l.startsWith("unused weights")))
                .singleElement().asString().contains("cls.predictions.bias", "cls.predictions.transform.dense.weight");
    }

    @Test
    void predictAndEvalRefuseAHeadThatWasNeverTrained() throws IOException {
        Path mlm = Fixtures.dir("bert-mlm");
        assertError(CliRun.of("predict", "--model", mlm, "a good movie"), mlm, "holds a BertForMaskedLM, which has no"
                + " trained task head; eval and predict take the output_dir of a train run with task sequence-classification");
        Path data = Files.writeString(tmp.resolve("dev.tsv"), "sentence\tlabel\ngood\tLABEL_0\n");
        assertError(CliRun.of("eval", "--model", mlm, "--data", data), mlm, "no trained task head");
        Path relabelled = copy(tmp, "bert-mlm");
        editConfig(relabelled, c -> c.putArray("architectures").add("BertForSequenceClassification"));
        assertError(CliRun.of("predict", "--model", relabelled, "a good movie"), relabelled.resolve("model.safetensors"),
                "the BertForSequenceClassification head was never trained (bert.pooler.dense.weight");
        Path gpt2 = copy(tmp, "gpt2-lm");
        editConfig(gpt2, c -> c.put("tie_word_embeddings", false)); // lm_head is then a weight of its own, not in the file
        assertError(CliRun.of("generate", "--model", gpt2, "--prompt", "hi"), gpt2.resolve("model.safetensors"),
                "the GPT2LMHeadModel head was never trained (lm_head.weight not in the file); generate and serve take a causal LM");
    }

    @Test
    void allowMissingInARecipeInitialisesTheMissingWeights() throws IOException {
        Path dir = copy(tmp, "bert-seqcls");
        editConfig(dir, c -> c.put("num_hidden_layers", 3));
        Path data = Files.writeString(tmp.resolve("train.tsv"), "sentence\tlabel\ngood\tpos\nbad\tneg\nnice\tpos\nsad\tneg\n");
        Path recipe = Files.writeString(tmp.resolve("r.yaml"), String.join("\n", "model:", "  path: " + dir,
                "data:", "  train: " + data, "  validation: " + data, "  text_column: sentence", "training:",
                "  output_dir: " + tmp.resolve("out"), "  max_steps: 1", "  save_strategy: 'no'", ""));
        assertError(CliRun.of("train", recipe), dir.resolve("model.safetensors"), "bert.encoder.layer.2.");
        assertThat(TrainCommandsTest.jobConsole(recipe, "model.allow_missing=true"))
                .contains("newly initialised (not in the checkpoint): bert.encoder.layer.2.");
    }

    private static void renameTensor(Path st, String from, String to) throws IOException {
        rewriteHeader(st, h -> h.set(to, (ObjectNode) h.remove(from)));
    }
}
