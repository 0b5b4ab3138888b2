package org.finetune4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.junit.jupiter.api.Test;

/**
 * A layer's temporaries die with the layer, not with the batch: before, a BERT-base evaluation batch of
 * 64 x 48 kept every layer's intermediates until the batch ended (2.3 GB above the weights, the peak of an
 * SST-2 evaluation 13 GB); now one layer's at a time.
 */
class LayersTest {

    private static final class Block extends Module {}

    private static List<Tensor> run(Forward f, List<Tensor> temporaries) {
        List<Block> layers = List.of(new Block(), new Block(), new Block());
        Tensor x = Torch.ones(DType.F32, 4, 3, 8);
        Tensor y = Layers.run(layers, x, f, (layer, in, fw) -> {
            Tensor t = in.mul(2.0); // a temporary of the layer
            temporaries.add(t);
            return t.add(1.0);
        });
        return List.of(x, y);
    }

    @Test
    void anEvaluationLayersTemporariesAreFreedWhenTheLayerEnds() {
        List<Tensor> temporaries = new ArrayList<>();
        try (Scope batch = Scope.open(); Autograd.Guard off = Autograd.noGrad()) {
            List<Tensor> xy = run(Forward.eval(), temporaries);
            assertThat(temporaries).hasSize(3).allSatisfy(t -> assertThat(t.toString()).isEqualTo("Tensor(freed)"));
            assertThat(xy.get(1).toFloatArray()[0]).isEqualTo(15f); // ((1 * 2 + 1) * 2 + 1) * 2 + 1
        }
    }

    @Test
    void aTrainingLayersTemporariesAreFreedAndTheBackwardPassStillSeesThem() {
        List<Tensor> temporaries = new ArrayList<>();
        try (Scope batch = Scope.open()) {
            Tensor x = Torch.ones(DType.F32, 4, 3, 8).requiresGrad_(true);
            List<Block> layers = List.of(new Block(), new Block());
            Tensor y = Layers.run(layers, x, Forward.train(), (layer, in, fw) -> {
                Tensor t = in.mul(in); // saved by autograd for the backward pass
                temporaries.add(t);
                return t.add(1.0);
            });
            assertThat(temporaries).allSatisfy(t -> assertThat(t.toString()).isEqualTo("Tensor(freed)"));
            y.sum().backward();
            assertThat(x.grad().toFloatArray()[0]).isEqualTo(8f); // d/dx (x^2 + 1)^2 = 4 x (x^2 + 1) at 1
        }
    }
}
