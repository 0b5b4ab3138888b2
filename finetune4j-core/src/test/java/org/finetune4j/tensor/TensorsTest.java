package org.finetune4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.SafeTensors;
import org.finetune4j.io.SafeTensorsWriter;
import org.finetune4j.io.TensorData;
import org.finetune4j.io.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** safetensors bytes to libtorch tensors and back, for every dtype, in that dtype, copying out of the mapping. */
class TensorsTest {

    @TempDir
    Path dir;

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Values 1, -2, 3 (BOOL: true, false, true) in each dtype's little-endian encoding. */
    private static TensorData sample(DType t) {
        ByteBuffer b = le(3 * t.size());
        for (int v : new int[] {1, -2, 3}) {
            switch (t) {
                case F32 -> b.putFloat(v);
                case F64 -> b.putDouble(v);
                case F16 -> b.putShort((short) (v == 1 ? 0x3C00 : v == -2 ? 0xC000 : 0x4200));
                case BF16 -> b.putShort((short) (Float.floatToIntBits(v) >>> 16));
                case I64 -> b.putLong(v);
                case I32 -> b.putInt(v);
                case I16 -> b.putShort((short) v);
                case I8 -> b.put((byte) v);
                case U8 -> b.put((byte) (v & 0xFF));
                case BOOL -> b.put((byte) (v > 0 ? 1 : 0));
            }
        }
        return new TensorData(t.name(), t, new long[] {3}, b.flip());
    }

    private static float[] expected(DType t) {
        return switch (t) {
            case BOOL -> new float[] {1, 0, 1};
            case U8 -> new float[] {1, 254, 3};
            default -> new float[] {1, -2, 3};
        };
    }

    @Test
    void everyDtypeBecomesATensorOfThatDtypeAndWritesBackTheSameBytes() {
        Path f = dir.resolve("all.safetensors");
        List<TensorData> all = new ArrayList<>();
        for (DType t : DType.values()) {
            all.add(sample(t));
        }
        SafeTensorsWriter.write(f, all, null);
        try (SafeTensors st = SafeTensors.open(f); Scope scope = Scope.open()) {
            for (DType t : DType.values()) {
                Tensor a = Tensors.toTensor(st.info(t.name()), st.data(t.name()));
                assertThat(a.dtype()).as(t.name()).isEqualTo(t);
                assertThat(a.shape()).containsExactly(3);
                assertThat(a.toFloatArray()).as(t.name()).containsExactly(expected(t));
                assertThat(Tensors.fromTensor(t.name(), a)).as(t.name()).isEqualTo(sample(t));
            }
        }
    }

    @Test
    void bf16WidensToFloat32Exactly() {
        try (Scope scope = Scope.open()) {
            short[] bits = {(short) 0x3F80, (short) 0xC2F7, (short) 0x0001, (short) 0x7F80, (short) 0xFF80};
            ByteBuffer b = le(10);
            for (short s : bits) {
                b.putShort(s);
            }
            TensorInfo bf = new TensorInfo("b", DType.BF16, new long[] {5}, 0, 10);
            float[] got = Tensors.toTensor(bf, b.flip()).to(DType.F32).toFloatArray();
            for (int i = 0; i < bits.length; i++) {
                assertThat(Float.floatToRawIntBits(got[i])).isEqualTo((bits[i] & 0xFFFF) << 16);
            }
            TensorInfo i16 = new TensorInfo("i", DType.I16, new long[] {2}, 0, 4);
            Tensor ints = Tensors.toTensor(i16, le(4).putShort((short) -32768).putShort((short) 32767).flip());
            assertThat(ints.toLongArray()).containsExactly(-32768, 32767);
        }
    }

    @Test
    void theTensorIsACopyNotAViewOfTheMappedFile() throws IOException {
        Path f = dir.resolve("model.safetensors");
        ByteBuffer ones = le(16).putFloat(1).putFloat(2).putFloat(3).putFloat(4).flip();
        SafeTensorsWriter.write(f, List.of(new TensorData("w", DType.F32, new long[] {2, 2}, ones)), null);
        try (Scope scope = Scope.open()) {
            Tensor a;
            ByteBuffer mapped;
            long dataStart;
            try (SafeTensors st = SafeTensors.open(f)) {
                mapped = st.data("w");
                a = Tensors.toTensor(st.info("w"), mapped);
                dataStart = st.tensors().get(0).begin() + headerEnd(f);
            }
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                ch.write(le(16).putFloat(9).putFloat(9).putFloat(9).putFloat(9).flip(), dataStart);
            }
            assertThat(mapped.getFloat(0)).isEqualTo(9f); // the mapping sees the change...
            assertThat(a.toFloatArray()).containsExactly(1, 2, 3, 4); // ...the tensor does not
        }
    }

    private static long headerEnd(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f)) {
            ByteBuffer len = le(8);
            ch.read(len, 0);
            return 8 + len.getLong(0);
        }
    }

    @Test
    void fromTensorWritesContiguousRowMajorBytes() {
        Path f = dir.resolve("t.safetensors");
        try (Scope scope = Scope.open()) {
            Tensor t = Torch.arange(0, 6).to(DType.F32).reshape(2, 3).t(); // [3, 2], not contiguous
            SafeTensorsWriter.write(f, List.of(Tensors.fromTensor("t", t)), null);
            try (SafeTensors st = SafeTensors.open(f)) {
                TensorInfo info = st.info("t");
                assertThat(info.shape()).isEqualTo(new long[] {3, 2});
                Tensor back = Tensors.toTensor(info, st.data("t"));
                assertThat(back.toFloatArray()).containsExactly(0, 3, 1, 4, 2, 5);
            }
        }
    }

    @Test
    void scalarsEmptyTensorsAndHeapBuffers() {
        try (Scope scope = Scope.open()) {
            TensorInfo scalar = new TensorInfo("s", DType.F32, new long[] {}, 0, 4);
            Tensor s = Tensors.toTensor(scalar, le(4).putFloat(2.5f).flip());
            assertThat(s.dim()).isZero();
            assertThat(s.item()).isEqualTo(2.5);
            TensorInfo empty = new TensorInfo("e", DType.I64, new long[] {0, 3}, 0, 0);
            assertThat(Tensors.toTensor(empty, le(0)).shape()).containsExactly(0, 3);
        }
    }

    @Test
    void wrongByteCountFails() {
        TensorInfo info = new TensorInfo("w", DType.F32, new long[] {2}, 0, 8);
        assertThatThrownBy(() -> Tensors.toTensor(info, le(4)))
                .isInstanceOf(Finetune4jException.class)
                .hasMessageStartingWith("tensor 'w' has 4 bytes but");
    }
}
