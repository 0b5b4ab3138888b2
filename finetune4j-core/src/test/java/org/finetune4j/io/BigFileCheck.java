package org.finetune4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.finetune4j.tensor.DType;

/**
 * Acceptance check for files over 2 GiB, run by scripts/safetensors-2gib.sh (not a unit test):
 * {@code write FILE} makes a 2.25 GiB file, {@code read FILE} opens it and reads the last tensor
 * (which starts past byte 2^31) and exits 1 unless the value is right and RSS stays far below
 * the file size.
 */
public final class BigFileCheck {

    static final int ELEMENTS = 64 << 20; // I32 elements per big tensor: 256 MiB
    static final int BIG_TENSORS = 9;
    static final int LAST_VALUE = 123_456_789;

    private BigFileCheck() {}

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[1]);
        if (args[0].equals("write")) {
            write(file);
        } else {
            System.exit(read(file) ? 0 : 1);
        }
    }

    static void write(Path file) {
        ByteBuffer block = ByteBuffer.allocateDirect(ELEMENTS * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < ELEMENTS; i++) {
            block.putInt(i);
        }
        block.flip();
        List<TensorData> tensors = new ArrayList<>();
        for (int k = 0; k < BIG_TENSORS; k++) { // one 256 MiB buffer written nine times
            tensors.add(new TensorData(String.format("layer.%02d.weight", k), DType.I32, new long[] {ELEMENTS}, block));
        }
        ByteBuffer last = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(11).putInt(22).putInt(33)
                .putInt(LAST_VALUE).flip();
        tensors.add(new TensorData("zz.last", DType.I32, new long[] {4}, last));
        SafeTensorsWriter.write(file, tensors, Map.of("format", "pt"));
    }

    static boolean read(Path file) throws IOException {
        long size = Files.size(file);
        try (SafeTensors st = SafeTensors.open(file)) {
            TensorInfo last = st.tensors().get(st.tensors().size() - 1);
            ByteBuffer data = st.data(last.name());
            int value = data.getInt(data.limit() - 4);
            int middle = st.data("layer.08.weight").getInt(4 * 12_345_678);
            long rss = rssBytes();
            System.out.printf("file size        %,d bytes (%.2f GiB), %d tensors%n", size, size / (double) (1L << 30),
                    st.tensors().size());
            System.out.printf("last tensor      %s at data offset %,d; last element %d (expected %d)%n",
                    last.name(), last.begin(), value, LAST_VALUE);
            System.out.printf("layer.08 [12345678] = %d (expected 12345678)%n", middle);
            System.out.printf("VmRSS            %,d bytes (%.1f%% of the file)%n", rss, 100.0 * rss / size);
            boolean ok = value == LAST_VALUE && middle == 12_345_678 && last.begin() > Integer.MAX_VALUE
                    && rss < size / 8;
            System.out.println(ok ? "OK" : "FAILED");
            return ok;
        }
    }

    static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }
}
