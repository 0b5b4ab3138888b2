package org.finetune4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.finetune4j.tensor.Device;
import org.finetune4j.tensor.Devices;

/** The Hugging Face goldens copied from shared/fixtures into the test resources. */
public final class Fixtures {

    private Fixtures() {}

    /**
     * How close logits and losses come to the goldens: 1e-5 on the CPU; 1e-4 on a GPU (float32 products
     * without TF32 but in other reduction orders), where -Dfinetune4j.device=cuda runs the parity suite.
     */
    public static final double LOGITS = Devices.current().kind() == Device.Kind.CUDA ? 1e-4 : 1e-5;

    public static Path dir(String name) {
        try {
            return Paths.get(Fixtures.class.getResource("/fixtures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode golden(String name) {
        return json(dir(name).resolve("golden.json"));
    }
}
