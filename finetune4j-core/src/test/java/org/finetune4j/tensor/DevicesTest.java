package org.finetune4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.finetune4j.Finetune4jException;
import org.junit.jupiter.api.Test;

/** Which device a spec names on a build and machine, and the one-line errors when it is not there. */
class DevicesTest {

    @Test
    void autoIsTheGpuOnlyWhenTheGpuBuildSeesOne() {
        assertThat(Devices.resolve("auto", false, 0, "w")).isEqualTo(Device.CPU);
        assertThat(Devices.resolve("auto", true, 0, "w")).isEqualTo(Device.CPU);
        assertThat(Devices.resolve("auto", true, 2, "w")).isEqualTo(Device.cuda(0));
        assertThat(Devices.resolve("cpu", true, 2, "w")).isEqualTo(Device.CPU);
        assertThat(Devices.resolve("cuda", true, 1, "w")).isEqualTo(Device.cuda(0));
        assertThat(Devices.resolve("cuda:1", true, 2, "w")).isEqualTo(Device.cuda(1));
    }

    @Test
    void cudaOnTheCpuBuildSaysHowToGetTheGpuBuild() {
        assertThatThrownBy(() -> Devices.resolve("cuda", false, 0, "--device"))
                .isInstanceOf(Finetune4jException.class)
                .hasMessageStartingWith("--device: cuda needs libtorch's GPU build, and the natives on the class path are the CPU build")
                .hasMessageContaining("./mvnw -Pcuda package").hasMessageContaining("FINETUNE4J_DEVICE=cuda")
                .hasMessageNotContaining("\n");
    }

    @Test
    void cudaWithoutADeviceOrBeyondTheLastSaysSo() {
        assertThatThrownBy(() -> Devices.resolve("cuda", true, 0, "training.device"))
                .hasMessageStartingWith("training.device: cuda asked for, but libtorch's GPU build sees no CUDA device")
                .hasMessageContaining("nvidia-smi").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> Devices.resolve("cuda:2", true, 2, "--device"))
                .hasMessage("--device: cuda:2 asked for, but 2 CUDA devices are visible (cuda:0 to cuda:1)");
        assertThatThrownBy(() -> Devices.resolve("cuda:1", true, 1, "--device"))
                .hasMessage("--device: cuda:1 asked for, but 1 CUDA device is visible (cuda:0)");
    }

    @Test
    void unknownSpecsAreRefused() {
        assertThat(Devices.valid("auto")).isTrue();
        assertThat(Devices.valid("cuda:0")).isTrue();
        assertThat(Devices.valid("gpu")).isFalse();
        assertThat(Devices.valid("cuda:")).isFalse();
        assertThatThrownBy(() -> Devices.select("tpu", "--device"))
                .hasMessage("--device: unknown device 'tpu' (auto, cpu, cuda, cuda:N)");
    }

    @Test
    void onThisCpuBuildAutoIsTheCpuAndCudaIsAnError() {
        assumeFalse(Devices.gpuBuild(), "the natives on the class path are the GPU build");
        assertThat(Devices.gpuBuild()).isFalse();
        assertThat(Devices.select("auto", "w")).isEqualTo(Device.CPU);
        assertThatThrownBy(() -> Devices.select("cuda", "w")).hasMessageContaining("the natives on the class path are the CPU build");
    }

    @Test
    void cpuPlacementChangesNothing() {
        assumeTrue(Devices.current().equals(Device.CPU), "the tests run on " + Devices.current());
        try (Scope s = Scope.open()) {
            Tensor x = Torch.tensor(new float[] {1, 2, 3});
            assertThat(x.device()).isEqualTo(Device.CPU);
            assertThat(Torch.zeros(DType.BF16, 2).device()).isEqualTo(Device.CPU);
            assertThat(Torch.arange(0, 3).device()).isEqualTo(Device.CPU);
            assertThat(Torch.empty(DType.F32, 2).device()).isEqualTo(Device.CPU);
            assertThat(x.toFloatArray()).containsExactly(1, 2, 3);
        }
    }

    @Test
    void autocastRefusesFloat16OnTheCpuAndNamesTheChoicesOnAGpu() {
        assertThatThrownBy(() -> Autocast.cpu(DType.F16)).hasMessage("float16 autocast is not supported on the CPU; use bfloat16");
        assertThatThrownBy(() -> Autocast.on(Device.cuda(0), DType.F32))
                .hasMessage("float32 autocast is not supported on the GPU; use bfloat16 or float16");
        try (Autograd.Guard g = Autocast.of(DType.BF16)) {
            assertThat(Autocast.current()).isEqualTo(DType.BF16);
        }
        assertThat(Autocast.current()).isNull();
    }
}
