package org.finetune4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Fixtures;
import org.finetune4j.tensor.Devices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --device and training.device on this CPU build: cpu and auto run, cuda is one line saying how to get the GPU build. */
class DeviceCommandsTest {

    @TempDir
    Path dir;

    private static final String CPU_BUILD = "needs libtorch's GPU build, and the natives on the class path are the CPU build"
            + " (build it with ./mvnw -Pcuda package, or run ./finetune4j with FINETUNE4J_DEVICE=cuda)";

    @Test
    void cudaOnTheComputeCommandsIsOneLineAndExitCodeOne() {
        assumeFalse(Devices.gpuBuild(), "the natives on the class path are the GPU build");
        Path model = Fixtures.dir("bert-seqcls");
        List<Object[]> commands = List.of(
                new Object[] {"bench", "--case", "bert-tiny-32x128", "--device", "cuda"},
                new Object[] {"eval", "--model", model, "--data", model.resolve("golden.json"), "--device", "cuda"},
                new Object[] {"predict", "--model", model, "a good day", "--device", "cuda:1"},
                new Object[] {"forward", model, "--inputs", model.resolve("golden.json"), "--device", "cuda"},
                new Object[] {"generate", "--model", Fixtures.dir("gpt2-lm"), "--prompt", "hello", "--device", "cuda"},
                new Object[] {"serve", "--model", Fixtures.dir("gpt2-lm"), "--device", "cuda"});
        for (Object[] args : commands) {
            CliRun r = CliRun.of(args);
            assertThat(r.code()).as(args[0] + ": " + r.err()).isEqualTo(1);
            assertThat(r.errLines()).as(args[0].toString()).hasSize(1);
            assertThat(r.err()).as(args[0].toString()).startsWith("error: --device: cuda").contains(CPU_BUILD);
        }
    }

    @Test
    void anUnknownDeviceIsAUsageError() {
        CliRun r = CliRun.of("bench", "--case", "bert-tiny-32x128", "--device", "gpu");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: --device must be auto, cpu, cuda or cuda:N, got 'gpu'");
    }

    @Test
    void cpuAndAutoRunOnTheCpu() {
        for (String device : new String[] {"cpu", "auto"}) {
            CliRun r = CliRun.of("bench", "--case", "bert-tiny-32x128", "--steps", "1", "--warmup", "0", "--device", device, "--json");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("\"case\" : \"bert-tiny-32x128\"");
        }
    }

    private Path recipe(String... training) throws IOException {
        Path train = dir.resolve("train.tsv");
        Files.write(train, List.of("sentence\tlabel", "a good movie\tpositive", "the bad coffee\tnegative"));
        Path r = dir.resolve("recipe.yaml");
        Files.writeString(r, String.join("\n", "model:", "  path: " + Fixtures.dir("bert-seqcls"),
                "data:", "  train: " + train, "  text_column: sentence",
                "training:", "  output_dir: " + dir.resolve("out"), "  max_steps: 1", "  per_device_train_batch_size: 2",
                "  save_strategy: 'no'", String.join("\n", training), ""));
        return r;
    }

    @Test
    void trainingDeviceInARecipe() throws IOException {
        assumeFalse(Devices.gpuBuild(), "the natives on the class path are the GPU build");
        CliRun cuda = CliRun.of("train", recipe("  device: cuda"));
        assertThat(cuda.code()).isEqualTo(1);
        assertThat(cuda.errLines()).hasSize(1);
        assertThat(cuda.err()).startsWith("error: training.device: cuda " + CPU_BUILD);
        assertThat(dir.resolve("out")).doesNotExist();

        CliRun unknown = CliRun.of("train", recipe("  device: gpu"));
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).startsWith("error: " + dir.resolve("recipe.yaml")
                + ": training.device must be auto, cpu, cuda or cuda:N, got 'gpu'");

        CliRun fp16 = CliRun.of("train", recipe("  device: cpu", "  fp16: true"));
        assertThat(fp16.err()).startsWith("error: " + dir.resolve("recipe.yaml") + ": training.fp16 is not supported on the CPU");

        CliRun auto = CliRun.of("train", recipe("  device: auto"));
        assertThat(auto.code()).as(auto.err()).isZero();
    }
}
