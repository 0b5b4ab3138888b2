package org.finetune4j.train;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.Text;

/**
 * A run's exclusive hold on its output_dir: an OS file lock on {@code output_dir/.finetune4j.lock}, which
 * names the holder (pid, host, start time). The OS drops the lock when the holding process dies, so a lock
 * left by a killed run is taken over (and said so); the file stays, emptied, when the run ends.
 */
public final class RunLock implements AutoCloseable {

    static final String FILE = ".finetune4j.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock of {@code dir} (an existing folder), or fails naming the run that holds it. */
    static RunLock take(Path dir, PrintStream console) throws IOException {
        Path file = dir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by this process
            }
            String holder = holder(ch);
            if (l == null) {
                throw new Finetune4jException(dir + ": output_dir is in use by another run ("
                        + (holder.isEmpty() ? "holder unknown" : holder) + "); wait for it to end, or choose another output_dir");
            }
            if (!holder.isEmpty()) {
                console.println("note: " + dir + " was locked by a run that ended without releasing it (" + holder
                        + "); taking it over");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(me().getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            return new RunLock(ch, l);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** What the lock file says of its holder, printable, or "" when it is empty. */
    private static String holder(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(ch.size(), 512));
        ch.read(b, 0);
        return Text.printable(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip());
    }

    /** This process as a holder: pid, host and start time. */
    private static String me() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown host";
        }
        return "pid " + ProcessHandle.current().pid() + " on " + host + ", started "
                + Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()) + "\n";
    }

    /** Empties the file and releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            channel.truncate(0);
            lock.release();
        } finally {
            channel.close();
        }
    }
}
