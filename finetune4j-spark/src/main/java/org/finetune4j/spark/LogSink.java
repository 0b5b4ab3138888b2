package org.finetune4j.spark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Where the ranks' log lines reach the driver as they are written: a TCP server on the driver's
 * host; each rank connects, says "rank R", then sends its lines. Rank 0's lines go to standard
 * output as they are (its metrics and progress); the others' to standard error, prefixed with their rank.
 */
final class LogSink implements AutoCloseable {

    private final ServerSocket server;
    private final PrintStream out;
    private final PrintStream err;

    LogSink(String host, PrintStream out, PrintStream err) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getByName(host));
        this.out = out;
        this.err = err;
        Thread accept = new Thread(this::accept, "finetune4j-log-sink");
        accept.setDaemon(true);
        accept.start();
    }

    /** HOST:PORT the ranks send to. */
    String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> copy(s), "finetune4j-log-rank");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void copy(Socket s) {
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
            String hello = in.readLine();
            if (hello == null || !hello.startsWith("rank ")) {
                return;
            }
            boolean main = hello.equals("rank 0");
            for (String line; (line = in.readLine()) != null; ) {
                if (main) {
                    out.println(line);
                } else {
                    err.println("[" + hello + "] " + line);
                }
            }
        } catch (IOException e) {
            // the rank is gone; its task reports why
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
