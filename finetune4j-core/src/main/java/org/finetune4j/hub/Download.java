package org.finetune4j.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.finetune4j.Finetune4jException;

/**
 * One blob into the cache: bytes append to {@code blobs/<etag>.incomplete} (resuming with a
 * {@code Range} request from what is there, retrying a cut connection), then the size and hash are
 * checked (sha256 for LFS files, the git blob sha1 for files in git) and only then is the file
 * renamed to {@code blobs/<etag>}. A body that fails its check is deleted, never cached. The caller
 * holds the blob's lock.
 */
final class Download {

    /** Attempts per file before giving up (the .incomplete file stays for the next run). */
    static final int ATTEMPTS = 3;

    /** Seconds without a byte before a transfer counts as cut (HF_HUB_DOWNLOAD_TIMEOUT, default 10, as huggingface_hub). */
    static final long STALL_SECONDS = stallSeconds(System.getenv("HF_HUB_DOWNLOAD_TIMEOUT"));

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hub-download-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** What the bytes must be: size (-1 unknown), sha256 hex (null: none), git blob sha1 hex (null: none). */
    record Expect(long size, String sha256, String gitSha1) {}

    private Download() {}

    static void fetch(HubHttp http, URI url, Path incomplete, Path blob, Expect expect, String name, Progress progress)
            throws IOException {
        Files.createDirectories(blob.getParent());
        IOException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                transfer(http, url, incomplete, expect, name, progress);
                last = null;
                break;
            } catch (IOException e) {
                last = e;
            }
        }
        if (last != null) {
            long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
            throw new Finetune4jException(name + ": download cut after " + have + " of " + sizeText(expect.size())
                    + " bytes (" + last.getClass().getSimpleName() + "), " + ATTEMPTS + " attempts; run again to resume from "
                    + incomplete.getFileName());
        }
        verify(incomplete, expect, name);
        HubCache.moveAtomically(incomplete, blob);
    }

    /** One request: resumes from the partial file when the server honours the range, else starts over. */
    private static void transfer(HubHttp http, URI url, Path incomplete, Expect expect, String name, Progress progress)
            throws IOException {
        long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
        if (expect.size() >= 0 && have > expect.size()) {
            Files.delete(incomplete);
            have = 0;
        }
        if (expect.size() >= 0 && have == expect.size()) {
            return;
        }
        HttpResponse<InputStream> r = http.get(url, have);
        int code = r.statusCode();
        boolean append = code == 206 && rangeStart(HubHttp.header(r, "Content-Range")) == have;
        if (code != 200 && !append) {
            r.body().close();
            if (code == 206 || code == 416) {
                Files.deleteIfExists(incomplete);
                throw new IOException("the server answered a range request with " + code);
            }
            throw new Finetune4jException(name + ": HTTP " + code + " while downloading [" + HubHttp.strip(r.request().uri()) + "]");
        }
        long start = append ? have : 0;
        AtomicLong lastByte = new AtomicLong(System.nanoTime());
        InputStream in = r.body();
        ScheduledFuture<?> watchdog = WATCHDOG.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - lastByte.get() > TimeUnit.SECONDS.toNanos(STALL_SECONDS)) {
                closeQuietly(in); // a stalled connection: the read below ends and the attempt resumes
            }
        }, 1, 1, TimeUnit.SECONDS);
        try (in;
             OutputStream out = Files.newOutputStream(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
             Progress.Bar bar = progress.start(name, expect.size(), start)) {
            byte[] buf = new byte[1 << 16];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                lastByte.set(System.nanoTime());
                out.write(buf, 0, n);
                bar.advance(n);
            }
        } finally {
            watchdog.cancel(false);
        }
        long got = Files.size(incomplete);
        if (expect.size() >= 0 && got < expect.size()) {
            throw new IOException("connection closed early");
        }
    }

    private static void verify(Path file, Expect expect, String name) throws IOException {
        long size = Files.size(file);
        if (expect.size() >= 0 && size != expect.size()) {
            Files.deleteIfExists(file);
            throw new Finetune4jException(name + ": downloaded " + size + " bytes but the Hub announced " + expect.size()
                    + "; the partial file was deleted, nothing was cached");
        }
        if (expect.sha256() != null) {
            check(file, "sha256", expect.sha256(), digest(file, "SHA-256", null), name);
        }
        if (expect.gitSha1() != null) {
            byte[] header = ("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII);
            check(file, "git sha1", expect.gitSha1(), digest(file, "SHA-1", header), name);
        }
    }

    private static void check(Path file, String kind, String expected, String actual, String name) throws IOException {
        if (!expected.equalsIgnoreCase(actual)) {
            Files.deleteIfExists(file);
            throw new Finetune4jException(name + ": downloaded body fails its " + kind + " check (expected " + expected
                    + ", got " + actual + "); it was deleted, nothing was cached");
        }
    }

    /** The hex digest of {@code prefix} (if any) followed by the file's bytes. */
    static String digest(Path file, String algorithm, byte[] prefix) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (prefix != null) {
            md.update(prefix);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The first byte of {@code bytes START-END/TOTAL}, or -1. */
    static long rangeStart(String contentRange) {
        if (contentRange == null || !contentRange.startsWith("bytes ")) {
            return -1;
        }
        String s = contentRange.substring(6);
        int dash = s.indexOf('-');
        try {
            return dash < 0 ? -1 : Long.parseLong(s.substring(0, dash).strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // already broken
        }
    }

    private static long stallSeconds(String value) {
        try {
            return value == null ? 10 : Math.max(1, (long) Double.parseDouble(value.strip()));
        } catch (NumberFormatException e) {
            return 10;
        }
    }

    private static String sizeText(long size) {
        return size < 0 ? "?" : Long.toString(size);
    }
}
