package org.finetune4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.finetune4j.Fixtures;
import org.finetune4j.eval.ForwardProbe;
import org.finetune4j.tensor.Scope;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Gradients stay right while the garbage collector runs between forward and backward. Tensors
 * outside every scope (parameters) are freed by the collector once unreachable, numbers given to ops
 * (x * 0.125) are copied by libtorch, and autograd keeps its own references; this test hammers the
 * collector to catch a handle freed while libtorch still needs it (the previous engine's scalars
 * wrapped a Java buffer that the collector freed under autograd).
 */
class GcSafetyTest {

    @ParameterizedTest
    @ValueSource(strings = {"bert-seqcls", "bert-mlm", "distilbert-seqcls", "roberta-seqcls", "gpt2-lm", "opt-lm", "llama-lm"})
    void gradientsSurviveGarbageCollection(String fixture) throws InterruptedException {
        Thread collector = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        collector.setDaemon(true);
        collector.start();
        JsonNode golden = Fixtures.golden(fixture);
        try {
            for (int i = 0; i < 3; i++) {
                try (Scope scope = Scope.open()) {
                    TransformerModel model = Pretrained.load(Fixtures.dir(fixture), null, 0).model();
                    ObjectNode got = ForwardProbe.run(model, golden, null);
                    ParityTest.assertClose("grad_norms", got.get("grad_norms"), golden.get("grad_norms"), 1e-7, 1e-4);
                }
            }
        } finally {
            collector.interrupt();
            collector.join();
        }
    }
}
