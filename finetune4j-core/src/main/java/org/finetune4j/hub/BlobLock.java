package org.finetune4j.hub;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Exclusive use of one blob while it is downloaded: a lock within this JVM (threads) plus an OS file
 * lock on {@code .locks/<repo>/<etag>.lock} (other Finetune4j processes). The lock file stays, as
 * huggingface_hub leaves its own.
 */
final class BlobLock implements AutoCloseable {

    private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

    private final ReentrantLock local;
    private final FileChannel channel;
    private final FileLock os;

    private BlobLock(ReentrantLock local, FileChannel channel, FileLock os) {
        this.local = local;
        this.channel = channel;
        this.os = os;
    }

    /** Waits for and takes the lock of {@code lockFile}. */
    static BlobLock acquire(Path lockFile) throws IOException {
        Path key = lockFile.toAbsolutePath().normalize();
        ReentrantLock local = LOCAL.computeIfAbsent(key, k -> new ReentrantLock());
        local.lock();
        FileChannel channel = null;
        try {
            Files.createDirectories(key.getParent());
            channel = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new BlobLock(local, channel, channel.lock());
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            local.unlock();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            os.release();
            channel.close();
        } finally {
            local.unlock();
        }
    }
}
