package org.finetune4j.train;

import java.io.IOException;
import java.nio.file.Path;
import org.finetune4j.model.Pretrained;
import org.finetune4j.model.TransformerModel;

/**
 * What a run writes into a checkpoint or its output folder and reads back on resume or for the best
 * model: the whole model as an HF folder ({@link #FULL}), or only what trains (a PEFT adapter folder).
 */
public interface ModelSaver {

    /** Writes the model's trained state into {@code dir} (which exists or is created), each file atomically. */
    void save(TransformerModel model, Path dir) throws IOException;

    /** Replaces the model's trained state by what {@link #save} wrote into {@code dir}. */
    void restore(TransformerModel model, Path dir);

    /** The whole model: config.json + model.safetensors. */
    ModelSaver FULL = new ModelSaver() {
        @Override
        public void save(TransformerModel model, Path dir) {
            Pretrained.save(model, dir);
        }

        @Override
        public void restore(TransformerModel model, Path dir) {
            Pretrained.loadInto(model, dir);
        }
    };
}
