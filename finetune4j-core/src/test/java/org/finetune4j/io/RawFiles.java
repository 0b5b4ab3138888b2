package org.finetune4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.finetune4j.Finetune4jException;
import org.finetune4j.tensor.DType;

/** Hand-made safetensors bytes for tests, and the one-line error assertion they share. */
final class RawFiles {

    private RawFiles() {}

    /** The 8-byte length, {@code header} as UTF-8 and {@code dataBytes} zero bytes. */
    static byte[] safetensors(String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length).put(json).array();
    }

    /** Just the 8-byte length field, followed by {@code rest} bytes. */
    static byte[] lengthOnly(long headerLength, int rest) {
        return ByteBuffer.allocate(8 + rest).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array();
    }

    static Path write(Path dir, String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code call} fails with exactly "{@code file}: {@code reason}" on one line. */
    static void assertFails(ThrowingCallable call, Path file, String reason) {
        assertThatThrownBy(call)
                .isInstanceOf(Finetune4jException.class)
                .hasMessage(file + ": " + reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r"));
    }

    /** A float32 tensor of the given values. */
    static TensorData f32(String name, long[] shape, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return new TensorData(name, DType.F32, shape, b.flip());
    }
}
