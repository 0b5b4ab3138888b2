package org.finetune4j.convert;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.finetune4j.Finetune4jException;

/** Zip and jar archives an import reads from: entry names, extraction (no path may leave the target folder), nested zips. */
final class Archives {

    private Archives() {}

    /** Whether {@code file} starts with a zip local-file header ({@code PK\3\4}); jars are zips. */
    static boolean isZip(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            return isZipHeader(in.readNBytes(4));
        } catch (IOException e) {
            return false;
        }
    }

    /** The names of the files in {@code zip}. */
    static List<String> names(Path zip) {
        List<String> out = new ArrayList<>();
        try (ZipFile z = open(zip)) {
            for (Enumeration<? extends ZipEntry> e = z.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                if (!entry.isDirectory()) {
                    out.add(entry.getName());
                }
            }
        } catch (IOException e) {
            throw new Finetune4jException(zip + ": cannot read the archive (" + e.getClass().getSimpleName() + ")");
        }
        return out;
    }

    /** Extracts the entries {@code wanted} accepts into {@code into}, keeping their paths; returns how many. */
    static int extract(Path zip, Predicate<String> wanted, Path into) {
        int n = 0;
        try (ZipFile z = open(zip)) {
            for (Enumeration<? extends ZipEntry> e = z.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                if (entry.isDirectory() || !wanted.test(entry.getName())) {
                    continue;
                }
                Path target = into.resolve(entry.getName()).normalize();
                if (!target.startsWith(into.normalize())) {
                    throw new Finetune4jException(zip + ": entry " + TfTable.quote(entry.getName()) + " points outside the archive");
                }
                Files.createDirectories(target.getParent());
                try (InputStream in = z.getInputStream(entry)) {
                    Files.copy(in, target);
                }
                n++;
            }
        } catch (IOException e) {
            throw new Finetune4jException(zip + ": cannot extract (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        return n;
    }

    /** The entries of {@code zip} that are zips themselves, extracted into {@code into} as nested-N.zip, with their names. */
    static Map<Path, String> nestedZips(Path zip, Path into) {
        Map<Path, String> out = new LinkedHashMap<>();
        try (ZipFile z = open(zip)) {
            for (Enumeration<? extends ZipEntry> e = z.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                if (entry.isDirectory() || entry.getName().endsWith(".class")) {
                    continue;
                }
                boolean nested;
                try (InputStream in = z.getInputStream(entry)) {
                    nested = isZipHeader(in.readNBytes(4));
                }
                if (nested) {
                    Files.createDirectories(into);
                    Path target = into.resolve("nested-" + out.size() + ".zip");
                    try (InputStream in = z.getInputStream(entry)) {
                        Files.copy(in, target);
                    }
                    out.put(target, entry.getName());
                }
            }
        } catch (IOException e) {
            throw new Finetune4jException(zip + ": cannot read the archive (" + e.getClass().getSimpleName() + ")");
        }
        return out;
    }

    private static ZipFile open(Path zip) throws IOException {
        try {
            return new ZipFile(zip.toFile());
        } catch (ZipException e) {
            throw new Finetune4jException(zip + ": not a readable zip or jar (" + e.getMessage() + ")");
        }
    }

    private static boolean isZipHeader(byte[] b) {
        return b.length == 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
    }
}
