package org.finetune4j.nn;

import java.util.List;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * Rotary position embeddings in Llama's "rotate_half" form: the head dimension is two halves
 * [x1, x2] rotated as pairs (x1[i], x2[i]) by angle pos * invFreq[i]; cos/sin in float32.
 */
public final class Rope {

    private final float[] invFreq;

    /** A rotary embedding over {@code invFreq.length * 2} head dimensions. */
    public Rope(float[] invFreq) {
        this.invFreq = invFreq.clone();
    }

    /** The cosines and sines of every position's angles, each [B or 1, 1, T, D]. */
    public record Angles(Tensor cos, Tensor sin) {}

    /** The inverse frequencies, a copy. */
    public float[] inverseFrequencies() {
        return invFreq.clone();
    }

    /** 1 / theta^(2i / d) for i < d / 2, rounded as torch does it in float32. */
    public static float[] inverseFrequencies(int headDim, double theta) {
        float[] out = new float[headDim / 2];
        for (int i = 0; i < out.length; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            out[i] = 1f / (float) Math.pow(theta, exponent);
        }
        return out;
    }

    /**
     * Llama 3's frequency remap: wavelengths 2 pi / f shorter than originalMax / highFreqFactor stay,
     * those longer than originalMax / lowFreqFactor are slowed by {@code factor}, and those between
     * blend the two with s = (originalMax / wavelength - low) / (high - low): (1 - s) f / factor + s f.
     */
    public static float[] llama3(float[] invFreq, double factor, double lowFreqFactor, double highFreqFactor,
            int originalMaxPositions) {
        double lowWavelength = originalMaxPositions / lowFreqFactor;
        double highWavelength = originalMaxPositions / highFreqFactor;
        float[] out = new float[invFreq.length];
        for (int i = 0; i < invFreq.length; i++) {
            double f = invFreq[i];
            double wavelength = 2 * Math.PI / f;
            if (wavelength < highWavelength) {
                out[i] = (float) f;
            } else if (wavelength > lowWavelength) {
                out[i] = (float) (f / factor);
            } else {
                double s = (originalMaxPositions / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                out[i] = (float) ((1 - s) * f / factor + s * f);
            }
        }
        return out;
    }

    /** cos and sin of pos * invFreq, the halves repeated: positionIds [B or 1, T] -> [B or 1, 1, T, D]. */
    public Angles angles(Tensor positionIds) {
        Tensor freq = Torch.tensor(invFreq); // [D/2]
        Tensor theta = positionIds.to(DType.F32).unsqueeze(-1).mul(freq); // [B, T, D/2]
        Tensor both = Torch.cat(List.of(theta, theta), -1).unsqueeze(1); // [B, 1, T, D]
        return new Angles(both.cos(), both.sin());
    }

    /** x * cos + rotate_half(x) * sin, where rotate_half([x1, x2]) = [-x2, x1]; x [B, H, T, D]. */
    public static Tensor apply(Tensor x, Angles a) {
        long half = x.size(3) / 2;
        Tensor x1 = x.narrow(3, 0, half); // [B, H, T, D/2]
        Tensor x2 = x.narrow(3, half, half);
        Tensor rotated = Torch.cat(List.of(x2.neg(), x1), -1); // [B, H, T, D]
        return x.mul(a.cos()).add(rotated.mul(a.sin()));
    }
}
