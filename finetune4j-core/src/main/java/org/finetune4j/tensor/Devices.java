package org.finetune4j.tensor;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;
import org.finetune4j.Finetune4jException;

/**
 * Which device the factories make tensors on, as {@code torch.set_default_device}: the CPU until a
 * command picks another with {@link #use}. Everything the model code makes through {@link Torch}
 * (parameters, optimizer state, batches, masks, KV caches) then lands there, and ops keep their
 * inputs' device; values read back to Java go through the CPU ({@link Tensor#item},
 * {@link Tensor#toFloatArray}). A device is asked for as {@code auto} (CUDA when the natives on the
 * class path are libtorch's GPU build and a device is visible, else the CPU), {@code cpu},
 * {@code cuda} or {@code cuda:N}.
 */
public final class Devices {

    private Devices() {}

    /** How to get the GPU build, for the errors. */
    static final String GPU_BUILD = "build it with ./mvnw -Pcuda package, or run ./finetune4j with FINETUNE4J_DEVICE=cuda";

    /** The environment variable that names the device when neither a recipe nor --device does. */
    public static final String ENV = "FINETUNE4J_DEVICE";

    /** The system property that picks the device of a whole JVM (the parity suite on a GPU: -Dfinetune4j.device=cuda). */
    public static final String PROPERTY = "finetune4j.device";

    private static volatile Device current = initial();

    private static Device initial() {
        String p = System.getProperty(PROPERTY);
        return p == null || p.isBlank() ? Device.CPU : select(p.trim(), "-D" + PROPERTY);
    }

    /** The device the factories make tensors on. */
    public static Device current() {
        return current;
    }

    /** Makes {@code d} the factories' device, for every thread (a command sets it once, before loading a model). */
    public static void use(Device d) {
        current = d;
    }

    /** What a recipe or --device that names nothing means: FINETUNE4J_DEVICE when set, else auto. */
    public static String defaultSpec() {
        String env = System.getenv(ENV);
        return env == null || env.isBlank() ? "auto" : env.trim();
    }

    /** Whether {@code spec} is one of auto, cpu, cuda, cuda:N. */
    public static boolean valid(String spec) {
        return spec.matches("auto|cpu|cuda(:\\d{1,3})?");
    }

    /** The device {@code spec} names on this build and machine; {@code where} opens a one-line error. */
    public static Device select(String spec, String where) {
        if (!valid(spec)) {
            throw new Finetune4jException(where + ": unknown device '" + org.finetune4j.io.Text.printable(spec)
                    + "' (auto, cpu, cuda, cuda:N)");
        }
        boolean gpuBuild = gpuBuild();
        return resolve(spec, gpuBuild, gpuBuild ? cudaDevices() : 0, where);
    }

    /** {@link #select} on a given build ({@code gpuBuild}) with {@code devices} CUDA devices visible. */
    static Device resolve(String spec, boolean gpuBuild, int devices, String where) {
        if (spec.equals("auto")) {
            return gpuBuild && devices > 0 ? Device.cuda(0) : Device.CPU;
        }
        Device d = Device.parse(spec, where);
        if (d.kind() == Device.Kind.CPU) {
            return d;
        }
        if (!gpuBuild) {
            throw new Finetune4jException(where + ": " + spec + " needs libtorch's GPU build, and the natives on the class path"
                    + " are the CPU build (" + GPU_BUILD + ")");
        }
        if (devices == 0) {
            throw new Finetune4jException(where + ": " + spec + " asked for, but libtorch's GPU build sees no CUDA device"
                    + " (no GPU, no NVIDIA driver, CUDA_VISIBLE_DEVICES hides them, or the CUDA 13.1 libraries are missing:"
                    + " nvidia-smi tells the first three, README's GPU section the last)");
        }
        if (d.index() >= devices) {
            throw new Finetune4jException(where + ": " + spec + " asked for, but " + devices + " CUDA device"
                    + (devices == 1 ? " is" : "s are") + " visible (cuda:0" + (devices > 1 ? " to cuda:" + (devices - 1) : "") + ")");
        }
        return d;
    }

    /** Whether the libtorch natives on the class path are the GPU build (the -gpu classifier of org.bytedeco:pytorch). */
    public static boolean gpuBuild() {
        String natives = "org/bytedeco/pytorch/" + Loader.getPlatform() + "-gpu/libjnitorch.so";
        return Devices.class.getClassLoader().getResource(natives) != null;
    }

    /** Waits for the work queued on the factories' device (a GPU runs ops asynchronously; the CPU has none queued). */
    public static void synchronize() {
        if (current.kind() == Device.Kind.CUDA) {
            torch.cuda_synchronize(current.index());
        }
    }

    /** The most bytes libtorch's allocator has held for tensors on the factories' GPU at once (0 on the CPU), as torch.cuda.max_memory_allocated. */
    public static long peakBytes() {
        return current.kind() == Device.Kind.CUDA ? torch.getDeviceStats((byte) current.index()).allocated_bytes().peak() : 0;
    }

    /** CUDA devices libtorch sees (0 without a driver). */
    static int cudaDevices() {
        Native.init();
        return torch.cuda_is_available() ? torch.cuda_device_count() : 0;
    }
}
