package org.finetune4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.finetune4j.io.RawFiles.assertFails;
import static org.finetune4j.io.RawFiles.safetensors;
import static org.finetune4j.io.RawFiles.write;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken and lying files: each fails on open with one line naming the file and the fault. */
class SafeTensorsBadInputTest {

    @TempDir
    Path dir;

    private void assertOpenFails(String header, int dataBytes, String reason) {
        Path f = write(dir, "model.safetensors", safetensors(header, dataBytes));
        assertFails(() -> SafeTensors.open(f), f, reason);
    }

    private static String f32(String name, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    @Test
    void fileShorterThanTheLengthField() {
        Path f = write(dir, "model.safetensors", new byte[5]);
        assertFails(() -> SafeTensors.open(f), f, "file is 5 bytes, too short for the 8-byte header length");
    }

    @Test
    void headerLengthPastTheEndOfTheFile() {
        Path f = write(dir, "model.safetensors", RawFiles.lengthOnly(9_999_999_999L, 1192));
        assertFails(() -> SafeTensors.open(f), f,
                "header length 9999999999 exceeds the 1192 bytes after the length field (file size 1200)");
    }

    @Test
    void headerLengthWithTheTopBitSetIsReadUnsigned() {
        Path f = write(dir, "model.safetensors", RawFiles.lengthOnly(-1L, 8));
        assertFails(() -> SafeTensors.open(f), f,
                "header length 18446744073709551615 exceeds the 8 bytes after the length field (file size 16)");
    }

    @Test
    void headerOverOneHundredMegabytesIsRefusedBeforeItIsRead() throws Exception {
        Path f = write(dir, "model.safetensors", RawFiles.lengthOnly(100_000_001L, 0));
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(100_000_100L); // sparse: the length fits the file, only the cap refuses it
        }
        assertFails(() -> SafeTensors.open(f), f, "header length 100000001 exceeds the limit of 100000000 bytes");
    }

    @Test
    void headerThatIsNotJson() {
        Path f = write(dir, "model.safetensors", safetensors("{not json}", 0));
        assertThatThrownBy(() -> SafeTensors.open(f))
                .isInstanceOf(Finetune4jException.class)
                .hasMessageStartingWith(f + ": header is not valid JSON: Unexpected character ('n'")
                .hasMessageEndingWith("(line 1, column 2)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void headerWithTrailingTokens() {
        Path f = write(dir, "model.safetensors", safetensors("{} {}", 0));
        assertThatThrownBy(() -> SafeTensors.open(f))
                .hasMessageStartingWith(f + ": header is not valid JSON: Trailing token");
    }

    @Test
    void headerThatIsNotAnObject() {
        assertOpenFails("[1, 2, 3]", 0, "header is not a JSON object");
        assertOpenFails(" {}", 0, "header is not a JSON object");
        assertOpenFails("", 0, "header is not a JSON object");
    }

    @Test
    void duplicateNames() {
        Path f = write(dir, "model.safetensors",
                safetensors("{" + f32("a", "[1]", "[0,4]") + "," + f32("a", "[1]", "[4,8]") + "}", 8));
        assertThatThrownBy(() -> SafeTensors.open(f))
                .isInstanceOf(Finetune4jException.class)
                .hasMessage(f + ": header is not valid JSON: Duplicate field 'a' (line 1, column 58)");
    }

    @Test
    void dataAreaShorterThanTheOffsets() throws Exception {
        Path f = dir.resolve("model.safetensors");
        SafeTensorsWriter.write(f, List.of(RawFiles.f32("a", new long[] {2}, 1, 2),
                RawFiles.f32("b", new long[] {2}, 3, 4)), null);
        byte[] whole = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(whole, whole.length - 4));
        assertFails(() -> SafeTensors.open(f), f,
                "tensor 'b' data_offsets [8, 16] run past the end of the data area (12 bytes)");
    }

    @Test
    void offsetsPastTheDataArea() {
        assertOpenFails("{" + f32("a", "[4]", "[0,16]") + "}", 8,
                "tensor 'a' data_offsets [0, 16] run past the end of the data area (8 bytes)");
    }

    @Test
    void overlappingOffsets() {
        assertOpenFails("{" + f32("a", "[4]", "[0,16]") + "," + f32("b", "[4]", "[8,24]") + "}", 24,
                "tensor 'b' data_offsets [8, 24] overlap tensor 'a' data_offsets [0, 16]");
    }

    @Test
    void gapBetweenTensors() {
        assertOpenFails("{" + f32("a", "[4]", "[0,16]") + "," + f32("b", "[4]", "[20,36]") + "}", 36,
                "gap of 4 bytes before tensor 'b' data_offsets [20, 36] (tensor 'a' data_offsets [0, 16])");
    }

    @Test
    void gapAtTheStart() {
        assertOpenFails("{" + f32("a", "[4]", "[4,20]") + "}", 20,
                "gap of 4 bytes before tensor 'a' data_offsets [4, 20] (the data area starts at 0)");
    }

    @Test
    void bytesAfterTheLastTensor() {
        assertOpenFails("{" + f32("a", "[4]", "[0,16]") + "}", 24,
                "the data area holds 24 bytes but the tensors cover only the first 16");
    }

    @Test
    void offsetsNotBeginEnd() {
        assertOpenFails("{" + f32("a", "[0]", "[16,0]") + "}", 16,
                "tensor 'a' data_offsets [16, 0] are not [begin, end] with begin <= end");
        assertOpenFails("{" + f32("a", "[4]", "[0,8,16]") + "}", 16,
                "tensor 'a' data_offsets [0, 8, 16] are not [begin, end] with begin <= end");
    }

    @Test
    void byteCountDisagreesWithTheShape() {
        assertOpenFails("{" + f32("bert.embeddings.word_embeddings.weight", "[10,4]", "[0,100]") + "}", 100,
                "tensor 'bert.embeddings.word_embeddings.weight' data_offsets [0, 100] hold 100 bytes"
                        + " but shape [10, 4] of F32 needs 160");
    }

    @Test
    void unknownDtype() {
        assertOpenFails("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1,
                "tensor 'a' has unknown dtype 'F8_E4M3'; known: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL");
        assertOpenFails("{\"a\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                "tensor 'a' dtype is not a string");
    }

    @Test
    void negativeDimension() {
        assertOpenFails("{" + f32("a", "[2,-1]", "[0,8]") + "}", 8, "tensor 'a' shape has a negative value -1");
    }

    @Test
    void nonIntegerValues() {
        assertOpenFails("{" + f32("a", "[2.0]", "[0,8]") + "}", 8, "tensor 'a' shape has 2.0, not a 64-bit integer");
        assertOpenFails("{" + f32("a", "[\"2\"]", "[0,8]") + "}", 8, "tensor 'a' shape has \"2\", not a 64-bit integer");
        assertOpenFails("{" + f32("a", "[2]", "[0,18446744073709551624]") + "}", 8,
                "tensor 'a' data_offsets has 18446744073709551624, not a 64-bit integer");
        assertOpenFails("{" + f32("a", "2", "[0,8]") + "}", 8, "tensor 'a' shape is not an array of integers");
    }

    @Test
    void shapeProductOverflow() {
        assertOpenFails("{" + f32("a", "[4611686018427387904,4]", "[0,16]") + "}", 16,
                "tensor 'a' shape [4611686018427387904, 4] of F32 needs more bytes than a 64-bit count holds");
        assertOpenFails("{" + f32("a", "[2305843009213693952]", "[0,16]") + "}", 16,
                "tensor 'a' shape [2305843009213693952] of F32 needs more bytes than a 64-bit count holds");
    }

    @Test
    void missingFieldsAndWrongKinds() {
        assertOpenFails("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "tensor 'a' has no data_offsets");
        assertOpenFails("{\"a\":[1]}", 4, "tensor 'a' is not a JSON object");
        assertOpenFails("{\"__metadata__\":{\"k\":1}}", 0, "__metadata__ value of 'k' is not a string");
        assertOpenFails("{\"__metadata__\":[]}", 0, "__metadata__ is not a JSON object");
    }

    @Test
    void controlCharactersInNamesStayOnOneLine() {
        assertOpenFails("{\"a\\nb\":{\"dtype\":\"X\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1,
                "tensor 'a\\u000ab' has unknown dtype 'X'; known: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL");
    }

    @Test
    void missingFileAndFolder() {
        Path missing = dir.resolve("nope.safetensors");
        assertFails(() -> SafeTensors.open(missing), missing, "no such file");
        assertFails(() -> SafeTensors.open(dir), dir, "is a folder, not a safetensors file");
    }
}
