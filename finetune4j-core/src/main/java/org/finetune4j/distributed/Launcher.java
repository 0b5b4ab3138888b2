package org.finetune4j.distributed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;

/**
 * Runs a data-parallel job as N local worker processes, as torchrun does: each is this JVM's
 * command again (same Java, options and class path) with {@code distributed.master=127.0.0.1:PORT
 * distributed.rank=R distributed.world_size=N} added. Each gets cores / N libtorch threads unless
 * FINETUNE4J_THREADS says otherwise, so the ranks do not oversubscribe the machine. Rank 0's output
 * passes through; the others' lines are prefixed with their rank. When a worker fails, the others
 * get the Gloo timeout to stop by themselves (they do at once when the dead one's connections close),
 * then are ended; the error names the rank that failed first.
 */
public final class Launcher {

    private Launcher() {}

    /** Starts the workers ({@code mainClass} with {@code args} plus the rank's keys) and waits for them all. */
    public static void run(String mainClass, List<String> args, DistributedConfig c, PrintStream out, PrintStream err) {
        int n = c.nproc();
        int port = c.masterPort() > 0 ? c.masterPort() : freePort();
        String threads = System.getenv("FINETUNE4J_THREADS");
        int perRank = Math.max(1, (threads != null && threads.matches("\\d+") ? Integer.parseInt(threads)
                : Runtime.getRuntime().availableProcessors()) / n);
        err.println("distributed: starting " + n + " ranks at 127.0.0.1:" + port + ", " + perRank + " libtorch thread"
                + (perRank == 1 ? "" : "s") + " each");
        List<Process> workers = new ArrayList<>(n);
        List<Thread> pipes = new ArrayList<>(2 * n);
        Thread hook = new Thread(() -> workers.forEach(Process::destroyForcibly));
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            for (int r = 0; r < n; r++) {
                List<String> cmd = new ArrayList<>(javaCommand(mainClass));
                cmd.addAll(args);
                cmd.addAll(List.of("distributed.master=127.0.0.1:" + port, "distributed.rank=" + r, "distributed.world_size=" + n));
                ProcessBuilder pb = new ProcessBuilder(cmd);
                Map<String, String> env = pb.environment();
                env.put("FINETUNE4J_THREADS", Integer.toString(perRank));
                Process p = pb.start();
                workers.add(p);
                String prefix = r == 0 ? "" : "[rank " + r + "] ";
                PrintStream to = r == 0 ? out : err;
                pipes.add(pipe(p.getInputStream(), line -> to.println(prefix + line)));
                pipes.add(pipe(p.getErrorStream(), line -> err.println(prefix + line)));
            }
            err.println("distributed: ranks 0-" + (n - 1) + " are pids " + String.join(", ",
                    workers.stream().map(p -> Long.toString(p.pid())).toList()));
            waitForAll(workers, c, err, pipes);
        } catch (IOException e) {
            workers.forEach(Process::destroyForcibly);
            throw new Finetune4jException("could not start a worker process (" + e.getMessage() + ")");
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs
            }
        }
    }

    /** Waits until every worker exited; after the first failure, ends the rest within the timeout. */
    private static void waitForAll(List<Process> workers, DistributedConfig c, PrintStream err, List<Thread> pipes) {
        String failure = null;
        long deadline = Long.MAX_VALUE;
        while (workers.stream().anyMatch(Process::isAlive)) {
            if (failure == null) {
                failure = firstFailure(workers);
                if (failure != null) {
                    deadline = System.nanoTime() + c.timeout().toNanos() + 10_000_000_000L;
                }
            }
            if (System.nanoTime() > deadline) {
                err.println("distributed: ending the ranks still running");
                workers.forEach(Process::destroyForcibly);
                break;
            }
            sleep(100);
        }
        workers.forEach(Launcher::waitQuietly);
        for (Thread t : pipes) { // the workers' last lines
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure == null) {
            failure = firstFailure(workers);
        }
        if (failure != null) {
            throw new Finetune4jException(failure + "; the run stopped (resume it with training.resume_from_checkpoint=true)");
        }
    }

    /** "rank R (pid P) ..." for the first worker that exited with an error, else null. */
    private static String firstFailure(List<Process> workers) {
        for (int r = 0; r < workers.size(); r++) {
            Process p = workers.get(r);
            if (!p.isAlive() && p.exitValue() != 0) {
                return "rank " + r + " (pid " + p.pid() + ") " + exit(p.exitValue());
            }
        }
        return null;
    }

    /** This JVM's command line up to the main class: java, its options, the class path. */
    static List<String> javaCommand(String mainClass) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-javaagent")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        return cmd;
    }

    /** "exited with code C", or "was killed by signal S" for a code above 128 (the shell's convention). */
    public static String exit(int code) {
        return code > 128 ? "was killed by signal " + (code - 128) : "exited with code " + code;
    }

    /** Hands each line of {@code in} to {@code sink} on a daemon thread, until the stream ends. */
    public static Thread pipe(InputStream in, java.util.function.Consumer<String> sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                // the worker is gone
            }
        }, "finetune4j-rank-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new Finetune4jException("no free port on 127.0.0.1 for the rendezvous (" + e.getMessage() + ")");
        }
    }

    private static void waitQuietly(Process p) {
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
