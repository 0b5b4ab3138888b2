package org.finetune4j.train;

/**
 * Transformers' learning-rate schedules as multipliers of the peak rate. Step k's optimizer
 * update uses factor(k) (so with warm-up the first update has rate 0, as in Transformers).
 */
public record Schedule(String type, int warmup, int total) {

    private static final double POLY_END = 1e-7;

    public double factor(int step, double peak) {
        if (step < warmup && !type.equals("constant")) {
            return (double) step / Math.max(1, warmup);
        }
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        return switch (type) {
            case "linear" -> Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
            case "cosine" -> Math.max(0.0, 0.5 * (1 + Math.cos(Math.PI * progress)));
            case "constant", "constant_with_warmup" -> 1.0;
            case "polynomial" -> polynomial(step, peak);
            default -> throw new IllegalArgumentException("unknown schedule " + type);
        };
    }

    /** The learning rate of step {@code step}. */
    public double lr(int step, double peak) {
        return peak * factor(step, peak);
    }

    private double polynomial(int step, double peak) {
        if (step > total) {
            return POLY_END / peak;
        }
        double remaining = 1 - (double) (step - warmup) / Math.max(1, total - warmup);
        return ((peak - POLY_END) * remaining + POLY_END) / peak; // power 1
    }
}
