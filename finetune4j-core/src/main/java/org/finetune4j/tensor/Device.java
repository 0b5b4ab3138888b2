package org.finetune4j.tensor;

import org.bytedeco.pytorch.global.torch.DeviceType;
import org.finetune4j.Finetune4jException;

/**
 * Where a tensor's data lives: the CPU, or a CUDA device by index (which needs libtorch's GPU build,
 * the {@code cuda} Maven profile). Factories make tensors on {@link Devices#current};
 * {@link Tensor#to(Device)} moves one.
 */
public record Device(Kind kind, int index) {

    /** Device families. */
    public enum Kind { CPU, CUDA }

    public static final Device CPU = new Device(Kind.CPU, -1);

    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /** {@code cpu}, {@code cuda} or {@code cuda:N}, as torch spells them; {@code where} opens the error. */
    public static Device parse(String s, String where) {
        if (s.equals("cpu")) {
            return CPU;
        }
        if (s.matches("cuda(:\\d+)?")) {
            return cuda(s.length() > 4 ? Integer.parseInt(s.substring(5)) : 0);
        }
        throw new Finetune4jException(where + ": unknown device '" + s + "' (cpu, cuda, cuda:N)");
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + index;
    }

    org.bytedeco.pytorch.Device toNative() {
        return kind == Kind.CPU ? new org.bytedeco.pytorch.Device(DeviceType.CPU)
                : new org.bytedeco.pytorch.Device(DeviceType.CUDA, (byte) index);
    }

    static Device of(org.bytedeco.pytorch.Device d) {
        return d.type().intern() == DeviceType.CUDA ? cuda(d.index()) : CPU;
    }

    DeviceType type() {
        return kind == Kind.CPU ? DeviceType.CPU : DeviceType.CUDA;
    }
}
