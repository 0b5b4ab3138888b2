package org.finetune4j.tensor;

import org.bytedeco.pytorch.GradMode;

/** Whether autograd records operations on this thread, as torch.no_grad / torch.enable_grad. */
public final class Autograd {

    static {
        Native.init();
    }

    private Autograd() {}

    /** A mode switch that restores the previous mode when closed; closing cannot fail. */
    public interface Guard extends AutoCloseable {
        @Override
        void close();
    }

    /** Whether operations on this thread are recorded for the backward pass. */
    public static boolean enabled() {
        return GradMode.is_enabled();
    }

    /** No recording until the guard closes, as {@code with torch.no_grad():}. */
    public static Guard noGrad() {
        return set(false);
    }

    /** Recording until the guard closes, as {@code with torch.enable_grad():}. */
    public static Guard enableGrad() {
        return set(true);
    }

    private static Guard set(boolean on) {
        boolean previous = GradMode.is_enabled();
        GradMode.set_enabled(on);
        return () -> GradMode.set_enabled(previous);
    }
}
