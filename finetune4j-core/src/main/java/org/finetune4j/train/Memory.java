package org.finetune4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process memory (VmHWM, VmRSS) and CPU time as Linux reports them; 0 where /proc is absent. */
public final class Memory {

    private Memory() {}

    public static long peakRssBytes() {
        return status("VmHWM:");
    }

    public static long rssBytes() {
        return status("VmRSS:");
    }

    /** CPU seconds the process has used, user and system, all threads (clock ticks of 1/100 s). */
    public static double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
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
