package org.finetune4j.spark;

import java.io.File;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.finetune4j.cli.Main;
import org.finetune4j.distributed.Launcher;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * One rank of the run, as one task of the barrier stage: task 0 picks a free port on its executor's
 * host for the rendezvous store, the address reaches every task through
 * {@code BarrierTaskContext.allGather}, and each task runs {@code finetune4j train} with its rank's
 * keys in a child JVM of its executor (the jar this class came from, Spark left out; libtorch threads
 * = the task's CPUs), sending the child's lines to the driver. A child that fails fails the task, and
 * so the stage; a task Spark ends ends its child.
 */
final class RankTask extends AbstractFunction1<scala.collection.Iterator<Integer>, scala.collection.Iterator<Integer>>
        implements Serializable {

    private static final long serialVersionUID = 1L;

    private final List<String> trainArgs;
    private final int ranks;
    private final String logSink;
    private final String workingDir;

    RankTask(List<String> trainArgs, int ranks, String logSink, String workingDir) {
        this.trainArgs = new ArrayList<>(trainArgs);
        this.ranks = ranks;
        this.logSink = logSink;
        this.workingDir = workingDir;
    }

    @Override
    public scala.collection.Iterator<Integer> apply(scala.collection.Iterator<Integer> partition) {
        try {
            return CollectionConverters.asScala(List.of(rank()).iterator());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("rank " + BarrierTaskContext.get().partitionId() + " was ended by Spark");
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("rank " + BarrierTaskContext.get().partitionId() + ": " + e.getMessage(), e);
        }
    }

    /** Runs this task's rank to its end; returns the rank. */
    private int rank() throws Exception {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        int rank = ctx.partitionId();
        String host = SparkEnv.get().blockManager().blockManagerId().host();
        String master = ctx.allGather(rank == 0 ? host + ":" + freePort(host) : "")[0];
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss4m"));
        Path self = location(Main.class);
        if (!self.equals(location(RankTask.class))) { // a build tree (tests): the core apart, and this JVM's class path
            cmd.addAll(List.of("-cp", self + File.pathSeparator + System.getProperty("java.class.path")));
        } else {
            // the spark-submit jar as this executor fetched it. JavaCPP unpacks libtorch from it into a cache keyed by the
            // jar's name: two executors of one machine hold copies of different times, and one would rewrite the library
            // the other is loading (SIGBUS), so each executor keeps its own cache in its work folder
            Path cache = Path.of(System.getProperty("user.dir"), "javacpp-cache");
            cmd.addAll(List.of("-Dorg.bytedeco.javacpp.cachedir=" + cache, "-cp", self.toString()));
        }
        cmd.add(Main.class.getName());
        cmd.addAll(trainArgs);
        cmd.addAll(List.of("distributed.master=" + master, "distributed.rank=" + rank, "distributed.world_size=" + ranks));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("FINETUNE4J_THREADS", Integer.toString(Math.max(1, ctx.cpus())));
        pb.environment().putIfAbsent("OPT_OUT_TRACKING", "true");
        if (workingDir != null && Files.isDirectory(Path.of(workingDir))) {
            pb.directory(new File(workingDir)); // relative paths of the recipe, as on the driver
        }
        pb.redirectErrorStream(true);
        try (Socket log = connect(logSink); PrintWriter sink = new PrintWriter(
                new OutputStreamWriter(log.getOutputStream(), StandardCharsets.UTF_8), true)) {
            sink.println("rank " + rank);
            Process child = pb.start();
            Thread pipe = Launcher.pipe(child.getInputStream(), line -> {
                synchronized (sink) {
                    sink.println(line);
                }
            });
            int code;
            try {
                code = child.waitFor();
                pipe.join(2000);
            } catch (InterruptedException e) { // Spark ends the stage's other tasks when one fails
                child.destroyForcibly();
                throw e;
            }
            if (code != 0) {
                throw new IllegalStateException("rank " + rank + " (pid " + child.pid() + " on " + host + ") " + Launcher.exit(code));
            }
        }
        return rank;
    }

    private static Path location(Class<?> c) throws java.net.URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    private static Socket connect(String hostPort) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        return new Socket(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
