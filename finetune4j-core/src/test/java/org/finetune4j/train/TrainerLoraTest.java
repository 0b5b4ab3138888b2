package org.finetune4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Fixtures;
import org.finetune4j.data.Batch;
import org.finetune4j.data.Dataset;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.peft.Adapters;
import org.finetune4j.peft.LoraConfig;
import org.finetune4j.peft.LoraModel;
import org.finetune4j.recipe.JobContext;
import org.finetune4j.recipe.Node;
import org.finetune4j.recipe.Recipe;
import org.finetune4j.tensor.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** LoRA runs through the Trainer: PEFT's causal-LM losses, adapter folders in checkpoints and output, exact resume. */
class TrainerLoraTest {

    @TempDir
    Path dir;

    private final PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

    /** The llama-lm golden batch as a dataset of three causal-LM rows (labels = ids, -100 on pads). */
    static Dataset goldenRows(JsonNode inputs) {
        long[][] ids = new ObjectMapper().convertValue(inputs.get("input_ids"), long[][].class);
        long[][] mask = new ObjectMapper().convertValue(inputs.get("attention_mask"), long[][].class);
        return new Dataset() {
            @Override
            public int size() {
                return ids.length;
            }

            @Override
            public int[] lengths() {
                return new int[] {ids[0].length, ids[1].length, ids[2].length};
            }

            @Override
            public Batch batch(int[] indices, long padId, long seed) {
                long[][] in = new long[indices.length][];
                long[][] m = new long[indices.length][];
                long[][] labels = new long[indices.length][];
                long items = 0;
                for (int i = 0; i < indices.length; i++) {
                    in[i] = ids[indices[i]];
                    m[i] = mask[indices[i]];
                    labels[i] = new long[in[i].length];
                    for (int t = 0; t < in[i].length; t++) {
                        labels[i][t] = m[i][t] == 0 ? -100 : in[i][t];
                        items += t > 0 && m[i][t] != 0 ? 1 : 0;
                    }
                }
                return Batch.tokenLabelled(in, m, null, labels, indices, items);
            }
        };
    }

    static TrainingArguments args(Path out, String... extra) {
        ObjectNode t = new ObjectMapper().createObjectNode().put("output_dir", out.toString()).put("per_device_train_batch_size", 3)
                .put("learning_rate", 1e-3).put("weight_decay", 0.01).put("lr_scheduler_type", "constant").put("max_steps", 5)
                .put("max_grad_norm", 1e9).put("logging_steps", 1).put("save_strategy", "no");
        for (String e : extra) {
            String[] kv = e.split("=");
            t.put(kv[0], kv[1]);
        }
        return org.finetune4j.recipe.TrainingBlock.read(new Node(t, "test", "training"));
    }

    @Test
    void causalLmLoraThroughTheTrainerRepeatsPeftsFiveSteps() throws IOException {
        Path base = Fixtures.dir("llama-lm");
        JsonNode golden = Fixtures.json(base.resolve("lora/golden.json"));
        List<Double> losses = new ArrayList<>();
        try (Scope scope = Scope.open()) {
            TransformerModel model = Pretrained.load(base, null, 0).model();
            LoraConfig c = Adapters.load(model, base.resolve("lora/adapter_init"), true);
            Trainer.Job job = new Trainer.Job(model, null, goldenRows(Fixtures.golden("llama-lm").get("inputs")), null, 0,
                    args(dir.resolve("out"))).withSaver(JobContext.adapterSaver(c));
            try (RunLock lock = Runs.prepare(job.args(), quiet)) {
                new Trainer(job, quiet).onStep((s, l) -> losses.add(l)).train();
            }
        }
        JsonNode want = golden.at("/train/loss_before_step");
        for (int i = 0; i < 5; i++) {
            assertThat(losses.get(i)).as("step " + (i + 1)).isCloseTo(want.get(i).doubleValue(), within(1e-4));
        }
        Path out = dir.resolve("out");
        assertThat(out.resolve("model.safetensors")).doesNotExist();
        assertThat(out.resolve(Adapters.CONFIG)).exists();
        try (Scope scope = Scope.open()) {
            org.finetune4j.peft.LoraParityTest.assertSameTensors(out.resolve(Adapters.WEIGHTS),
                    base.resolve("lora/adapter_trained").resolve(Adapters.WEIGHTS), 1e-4);
        }
    }

    @Test
    void aLoraRecipeSavesAdaptersAndResumesExactly() throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 40, 1);
        Path recipe = TrainerFixture.recipe(dir, train, null, "max_steps: 8", "save_steps: 4", "warmup_steps: 2");
        Files.writeString(recipe, Files.readString(recipe)
                + "peft:\n  method: lora\n  r: 4\n  lora_alpha: 8\n  lora_dropout: 0.1\n  target_modules: [query, value]\n");
        List<Double> full = new ArrayList<>();
        run(recipe, full, -1, "training.output_dir=" + dir.resolve("a"));
        Path a = dir.resolve("a");
        assertThat(a.resolve("model.safetensors")).doesNotExist();
        assertThat(a.resolve("checkpoint-4/model.safetensors")).doesNotExist();
        assertThat(a.resolve("checkpoint-4").resolve(Adapters.WEIGHTS)).exists();
        assertThat(a.resolve("config.json")).as("the labels beside the adapter").exists();
        JsonNode config = new ObjectMapper().readTree(a.resolve(Adapters.CONFIG).toFile());
        assertThat(config.get("task_type").asText()).isEqualTo("SEQ_CLS");
        assertThat(config.get("modules_to_save").toString()).isEqualTo("[\"classifier\",\"score\"]");
        assertThat(config.get("base_model_name_or_path").asText()).isEqualTo(Fixtures.dir("bert-seqcls").toString());

        List<Double> first = new ArrayList<>();
        try {
            run(recipe, first, 6, "training.output_dir=" + dir.resolve("b"));
        } catch (TrainerTest.Crash expected) {
            // killed after step 6; checkpoint-4 is the last saved
        }
        List<Double> rest = new ArrayList<>();
        run(recipe, rest, -1, "training.output_dir=" + dir.resolve("b"), "training.resume_from_checkpoint=true");
        assertThat(rest).isEqualTo(full.subList(4, 8));
        // the final adapter loads onto the base and gives what the run's model gave
        try (Scope scope = Scope.open()) {
            TransformerModel model = Adapters.loadWithBase(Fixtures.dir("bert-seqcls"), a, null, 0, false);
            assertThat(LoraModel.adapted(model)).hasSize(4);
            assertThat(model.config.common().numLabels()).isEqualTo(2);
            assertThat(model.config.common().labels()).as("the names saved beside the adapter")
                    .containsExactlyInAnyOrder("negative", "positive");
        }
    }

    private void run(Path recipe, List<Double> losses, int crashAt, String... overrides) throws IOException {
        Recipe r = Recipe.load(recipe, List.of(overrides));
        try (Scope scope = Scope.open()) {
            Trainer.Job job = r.job(quiet);
            try (RunLock lock = Runs.prepare(r.training(), quiet)) {
                new Trainer(job, quiet).onStep((step, loss) -> {
                    losses.add(loss);
                    if (step == crashAt) {
                        throw new TrainerTest.Crash();
                    }
                }).train();
            }
        }
    }
}
