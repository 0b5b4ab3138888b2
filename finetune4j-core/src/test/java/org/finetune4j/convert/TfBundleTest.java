package org.finetune4j.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundle reader on bundles written here: every supported dtype, several shards, and what it refuses. */
class TfBundleTest {

    @TempDir
    Path tmp;

    @Test
    void readsEverySupportedDtypeFromSeveralShards() throws Exception {
        List<TfBundleWriter.T> tensors = List.of(
                new TfBundleWriter.T("a/f32", 1, new long[] {2}, 0, new byte[] {0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0x40}),
                new TfBundleWriter.T("b/f16", 19, new long[] {1, 2}, 1, new byte[] {0, 0x3c, 0, 0x40}),
                new TfBundleWriter.T("c/bf16", 14, new long[] {2}, 0, new byte[] {(byte) 0x80, 0x3f, 0, 0x40}),
                new TfBundleWriter.T("d/i32", 3, new long[] {1}, 1, new byte[] {7, 0, 0, 0}),
                new TfBundleWriter.T("e/i64", 9, new long[] {}, 0, new byte[] {9, 0, 0, 0, 0, 0, 0, 0}),
                new TfBundleWriter.T("f/bool", 10, new long[] {3}, 1, new byte[] {1, 0, 1}));
        Path prefix = tmp.resolve("m.ckpt");
        TfBundleWriter.write(prefix, 2, tensors, 0);
        try (TfBundle b = TfBundle.open(prefix, "m.ckpt")) {
            List<TfBundle.Entry> entries = b.entries();
            assertThat(entries).extracting(TfBundle.Entry::dtype)
                    .containsExactly(DType.F32, DType.F16, DType.BF16, DType.I32, DType.I64, DType.BOOL);
            for (int i = 0; i < tensors.size(); i++) {
                ByteBuffer got = b.read(entries.get(i));
                byte[] bytes = new byte[got.remaining()];
                got.get(bytes);
                assertThat(bytes).as(tensors.get(i).name()).isEqualTo(tensors.get(i).data());
                assertThat(entries.get(i).shape()).isEqualTo(tensors.get(i).shape());
            }
        }
    }

    @Test
    void refusesEntriesThatLieAboutTheirSize() throws Exception {
        Path prefix = tmp.resolve("m.ckpt");
        TfBundleWriter.write(prefix, 1, List.of(new TfBundleWriter.T("w", 1, new long[] {3}, 0, new byte[8])), 0);
        assertThatThrownBy(() -> TfBundle.open(prefix, "m.ckpt"))
                .hasMessage("m.ckpt.index: tensor 'w': size 8 bytes, but shape [3] of F32 needs 12");
    }
}
