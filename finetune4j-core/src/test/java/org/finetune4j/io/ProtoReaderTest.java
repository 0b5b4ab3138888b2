package org.finetune4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.junit.jupiter.api.Test;

class ProtoReaderTest {

    private static ProtoReader reader(ProtoWriter w) {
        return ProtoReader.of(ByteBuffer.wrap(w.toByteArray()), "f.bin: message");
    }

    @Test
    void readsEveryWireTypeAndNestedMessages() {
        ProtoWriter w = new ProtoWriter().varint(1, 300).varint(2, -1).fixed32(3, Float.floatToIntBits(1.5f))
                .fixed64(4, 42).string(5, "héllo").message(6, new ProtoWriter().varint(1, 7));
        ProtoReader r = reader(w);
        assertThat(r.next()).isTrue();
        assertThat(r.field()).isEqualTo(1);
        assertThat(r.varint()).isEqualTo(300);
        r.next();
        assertThat(r.varint()).isEqualTo(-1L);
        r.next();
        assertThat(Float.intBitsToFloat(r.fixed32())).isEqualTo(1.5f);
        r.next();
        assertThat(r.fixed64()).isEqualTo(42);
        r.next();
        assertThat(r.string()).isEqualTo("héllo");
        r.next();
        ProtoReader inner = r.message("inner");
        assertThat(inner.next()).isTrue();
        assertThat(inner.varint()).isEqualTo(7);
        assertThat(inner.next()).isFalse();
        assertThat(r.next()).isFalse();
    }

    @Test
    void repeatedFieldsArePackedOrNot() {
        ProtoWriter w = new ProtoWriter().packed(1, 1, 2, 300).varint(1, 4);
        ProtoReader r = reader(w);
        List<Long> v = new ArrayList<>();
        while (r.next()) {
            r.varints(v::add);
        }
        assertThat(v).containsExactly(1L, 2L, 300L, 4L);
        ByteBuffer floats = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(1f).putFloat(2f).flip();
        ProtoReader p = reader(new ProtoWriter().bytes(4, floats.array()).fixed32(4, Float.floatToIntBits(3f)));
        p.next();
        assertThat(p.fixedRun(4).getFloat(4)).isEqualTo(2f);
        p.next();
        assertThat(p.fixedRun(4).getFloat(0)).isEqualTo(3f);
    }

    @Test
    void skipsUnknownFields() {
        ProtoReader r = reader(new ProtoWriter().fixed64(9, 1).string(8, "x").fixed32(7, 1).varint(6, 5).varint(1, 2));
        while (r.next() && r.field() != 1) {
            r.skip();
        }
        assertThat(r.varint()).isEqualTo(2);
    }

    @Test
    void everyLengthIsCheckedBeforeUse() {
        byte[] pastEnd = new ProtoWriter().raw(2 << 3 | 2).raw(1_000_000).append(new byte[10]).toByteArray();
        ProtoReader r = ProtoReader.of(ByteBuffer.wrap(pastEnd), "f.bin: graph");
        r.next();
        assertThatThrownBy(() -> r.message("node")).isInstanceOf(Finetune4jException.class)
                .hasMessage("f.bin: graph: node (field 2) says 1000000 bytes but only 10 are left (truncated or damaged)");
        ProtoReader cut = ProtoReader.of(ByteBuffer.wrap(new byte[] {8, (byte) 0x80}), "f.bin");
        cut.next();
        assertThatThrownBy(cut::varint).hasMessage("f.bin: field 1 runs past the end (truncated)");
        ProtoReader fixed = ProtoReader.of(ByteBuffer.wrap(new byte[] {13, 1, 2}), "f.bin");
        fixed.next();
        assertThatThrownBy(fixed::fixed32).hasMessageContaining("needs 4 bytes but only 2 are left");
        byte[] longVarint = {8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1};
        ProtoReader ten = ProtoReader.of(ByteBuffer.wrap(longVarint), "f.bin");
        ten.next();
        assertThatThrownBy(ten::varint).hasMessageContaining("longer than 10 bytes");
    }

    @Test
    void refusesGroupsWrongWireTypesAndBadText() {
        assertThatThrownBy(() -> reader(new ProtoWriter().raw(1 << 3 | 3)).next())
                .hasMessage("f.bin: message: field 1 is a group (wire type 3), which is not supported");
        assertThatThrownBy(() -> reader(new ProtoWriter().raw(1 << 3 | 7)).next()).hasMessageContaining("unknown wire type 7");
        assertThatThrownBy(() -> reader(new ProtoWriter().raw(0)).next()).hasMessageContaining("bad field tag 0");
        ProtoReader r = reader(new ProtoWriter().varint(1, 5));
        r.next();
        assertThatThrownBy(r::string).hasMessageContaining("field 1 has wire type 0 where 2 was expected");
        ProtoReader bad = reader(new ProtoWriter().bytes(2, new byte[] {(byte) 0xC3, 0x28}));
        bad.next();
        assertThatThrownBy(bad::string).hasMessage("f.bin: message: field 2 is not valid UTF-8 text");
        ProtoReader odd = reader(new ProtoWriter().bytes(4, new byte[6]));
        odd.next();
        assertThatThrownBy(() -> odd.fixedRun(4)).hasMessageContaining("6 bytes, not a multiple of 4");
    }
}
