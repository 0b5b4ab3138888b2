package org.finetune4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import org.finetune4j.tensor.Autocast;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.F;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Both attention kernels agree on every mask (padding, causal, sliding window) with and without grouped heads. */
class AttentionTest {

    @ParameterizedTest
    @CsvSource({
        "padding, 4, 4, 7, 7", "causal, 4, 4, 7, 7", "window, 4, 4, 7, 7", "padding, 4, 2, 7, 7", "causal, 4, 2, 7, 7",
        "window, 4, 1, 7, 7", "causal, 4, 2, 1, 9", "window, 4, 2, 1, 9"})
    void eagerAndFusedAgree(String mask, int heads, int kvHeads, int t, int s) {
        for (DType cast : new DType[] {null, DType.BF16}) {
            try (Scope scope = Scope.open(); Autograd.Guard off = Autograd.noGrad(); Autograd.Guard ac = Autocast.of(cast)) {
                Torch.manualSeed(11);
                Tensor q = Torch.randn(3, heads, t, 16);
                Tensor k = Torch.randn(3, kvHeads, s, 16);
                Tensor v = Torch.randn(3, kvHeads, s, 16);
                Tensor padded = Torch.tensor(new long[][] {ones(s, 0), ones(s, 2), ones(s, 3)}); // rows with 0, 2, 3 pads
                Tensor bias = switch (mask) {
                    case "padding" -> Attention.maskBias(padded, t, false);
                    case "causal" -> Attention.maskBias(padded, t, true);
                    default -> Attention.maskBias(padded, t, true, 3);
                };
                if (cast != null) {
                    q = q.to(cast);
                    k = k.to(cast);
                    v = v.to(cast);
                }
                double scale = 0.25;
                float[] eager = Attention.eager(q, k, v, bias, scale, 0, Forward.eval()).toFloatArray();
                float[] fused = F.sdpa(q, k, v, bias, 0, scale).toFloatArray();
                // rows whose every key is masked (pad queries) are undefined on both paths: compared are the others
                float[] visible = bias.amax(-1, false).expand(3, 1, t).contiguous().toFloatArray(); // [B, 1, T]: 0 where a key is visible
                double tol = cast == null ? 1e-5 : 2e-2;
                int compared = 0;
                for (int i = 0; i < eager.length; i++) {
                    int b = i / (heads * t * 16);
                    int query = i / 16 % t;
                    if (visible[b * t + query] == 0) {
                        assertThat((double) Math.abs(eager[i] - fused[i])).as("%s %s element %d", mask, cast, i).isLessThan(tol);
                        compared++;
                    }
                }
                assertThat(compared).isGreaterThan(eager.length / 2);
            }
        }
    }

    /** s ones after {@code pads} zeros on the right (the last query always sees a real key). */
    private static long[] ones(int s, int pads) {
        long[] row = new long[s];
        for (int i = 0; i < s - pads; i++) {
            row[i] = 1;
        }
        return row;
    }
}
