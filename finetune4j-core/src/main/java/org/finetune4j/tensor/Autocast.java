package org.finetune4j.tensor;

import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.bytedeco.pytorch.global.torch;
import org.finetune4j.Finetune4jException;

/**
 * Mixed precision as {@code with torch.autocast("cpu", torch.bfloat16):}: until the guard closes,
 * libtorch runs matmuls and linear layers in bfloat16 and losses in float32 on this thread, casting
 * their inputs (parameters once per region, from a cache cleared when the outermost region closes);
 * the parameters themselves stay float32. The backward pass runs outside it, on the recorded dtypes.
 */
public final class Autocast {

    static {
        Native.init();
    }

    private Autocast() {}

    /** Autocast to {@code type} on the CPU until closed; only bfloat16 is supported there. */
    public static Autograd.Guard cpu(DType type) {
        if (type != DType.BF16) {
            throw new Finetune4jException(type.torchName() + " autocast is not supported on the CPU; use bfloat16");
        }
        boolean previous = torch.is_autocast_enabled(DeviceType.CPU);
        ScalarType previousType = torch.get_autocast_dtype(DeviceType.CPU).intern();
        torch.set_autocast_enabled(DeviceType.CPU, true);
        torch.set_autocast_dtype(DeviceType.CPU, Native.scalarType(type));
        torch.increment_nesting();
        return () -> {
            if (torch.decrement_nesting() == 0) {
                torch.clear_cache();
            }
            torch.set_autocast_enabled(DeviceType.CPU, previous);
            torch.set_autocast_dtype(DeviceType.CPU, previousType);
        };
    }

    /** The autocast dtype in force on this thread, or null outside autocast. */
    public static DType current() {
        return torch.is_autocast_enabled(DeviceType.CPU) ? Native.dtype(torch.get_autocast_dtype(DeviceType.CPU).intern()) : null;
    }

    /** {@link #cpu} when {@code type} is not null, else a guard that changes nothing. */
    public static Autograd.Guard of(DType type) {
        return type == null ? () -> {} : cpu(type);
    }
}
