package org.finetune4j.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.finetune4j.Fixtures;
import org.finetune4j.eval.ForwardProbe;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Gradients stay right while the garbage collector runs between forward and backward. A scalar
 * that DJL wraps around a Java buffer and that autograd keeps for the backward pass (x * 0.125)
 * turned into garbage once collected; this test hammers the collector to catch any such case.
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
                try (NDManager manager = NDManager.newBaseManager()) {
                    TransformerModel model = Pretrained.load(Fixtures.dir(fixture), null, manager, 0).model();
                    ObjectNode got = ForwardProbe.run(model, golden, null, manager);
                    ParityTest.assertClose("grad_norms", got.get("grad_norms"), golden.get("grad_norms"), 1e-7, 1e-4);
                }
            }
        } finally {
            collector.interrupt();
            collector.join();
        }
    }
}
