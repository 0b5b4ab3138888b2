package org.finetune4j.convert;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Byte-level helpers of the importers: they move elements, whatever their type, and never compute with them. */
final class Bytes {

    private Bytes() {}

    /** The [cols, rows] transpose of a row-major [rows, cols] matrix of {@code width}-byte elements. */
    static ByteBuffer transpose(ByteBuffer src, long rows, long cols, int width) {
        int r = Math.toIntExact(rows);
        int c = Math.toIntExact(cols);
        ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int base = in.position();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(r, c), width)];
        byte[] row = new byte[c * width];
        for (int i = 0; i < r; i++) {
            in.get(base + i * c * width, row);
            for (int j = 0; j < c; j++) {
                System.arraycopy(row, j * width, out, (j * r + i) * width, width);
            }
        }
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    }
}
