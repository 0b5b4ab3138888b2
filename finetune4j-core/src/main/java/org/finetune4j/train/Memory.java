package org.finetune4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process memory as Linux reports it (VmHWM, VmRSS); 0 where /proc is absent. */
public final class Memory {

    private Memory() {}

    public static long peakRssBytes() {
        return status("VmHWM:");
    }

    public static long rssBytes() {
        return status("VmRSS:");
    }

    private static long status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
