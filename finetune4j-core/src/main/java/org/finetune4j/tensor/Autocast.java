package org.finetune4j.tensor;

import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.bytedeco.pytorch.global.torch;
import org.finetune4j.Finetune4jException;

/**
 * Mixed precision as {@code with torch.autocast(device_type, dtype):}: until the guard closes,
 * libtorch runs matmuls and linear layers in the narrower type and losses in float32 on this
 * thread, casting their inputs (parameters once per region, from a cache cleared when the outermost
 * region closes); the parameters themselves stay as held. The backward pass runs outside it, on the
 * recorded dtypes. The CPU autocasts to bfloat16 only; a GPU to bfloat16 or float16.
 */
public final class Autocast {

    static {
        Native.init();
    }

    private Autocast() {}

    /** Autocast to {@code type} on the CPU until closed; only bfloat16 is supported there. */
    public static Autograd.Guard cpu(DType type) {
        return on(Device.CPU, type);
    }

    /** Autocast to {@code type} for {@code d}'s device type until closed. */
    public static Autograd.Guard on(Device d, DType type) {
        DeviceType device = d.type();
        if (type != DType.BF16 && !(type == DType.F16 && d.kind() == Device.Kind.CUDA)) {
            throw new Finetune4jException(type.torchName() + " autocast is not supported on the " + (d.kind() == Device.Kind.CPU
                    ? "CPU; use bfloat16" : "GPU; use bfloat16 or float16"));
        }
        boolean previous = torch.is_autocast_enabled(device);
        ScalarType previousType = torch.get_autocast_dtype(device).intern();
        torch.set_autocast_enabled(device, true);
        torch.set_autocast_dtype(device, Native.scalarType(type));
        torch.increment_nesting();
        return () -> {
            if (torch.decrement_nesting() == 0) {
                torch.clear_cache();
            }
            torch.set_autocast_enabled(device, previous);
            torch.set_autocast_dtype(device, previousType);
        };
    }

    /** The autocast dtype in force on this thread for the factories' device, or null outside autocast. */
    public static DType current() {
        DeviceType device = Devices.current().type();
        return torch.is_autocast_enabled(device) ? Native.dtype(torch.get_autocast_dtype(device).intern()) : null;
    }

    /** Autocast to {@code type} on the factories' device ({@link Devices#current}) when it is not null, else a guard that changes nothing. */
    public static Autograd.Guard of(DType type) {
        return type == null ? () -> {} : on(Devices.current(), type);
    }
}
