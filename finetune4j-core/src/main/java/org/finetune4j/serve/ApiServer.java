package org.finetune4j.serve;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.finetune4j.Finetune4jException;

/**
 * The OpenAI-compatible server: Jetty's core HTTP server (no servlets) in front of {@link Api}, with
 * the models and the decoding {@link Engine}. Errors Jetty itself answers (a malformed request line,
 * headers too large, a request during shutdown) come out as OpenAI-style JSON too. {@link #stop} is
 * graceful: no new connections, requests in flight finish (up to the stop timeout), then the engine
 * and the models close.
 */
public final class ApiServer implements AutoCloseable {

    /** An adapter folder served under {@code id}. */
    public record Adapter(String id, Path dir) {}

    private final Server server;
    private final ServerConnector connector;
    private final Models models;
    private final Engine engine;
    private final Api api;
    private boolean stopped;

    private ApiServer(Models models, ServerSettings s) {
        this.models = models;
        this.engine = new Engine(models, s.maxConcurrent(), s.maxQueued(), s.autocast());
        QueuedThreadPool pool = new QueuedThreadPool(64, 4);
        pool.setName("finetune4j-http");
        this.server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(s.host());
        connector.setPort(s.port());
        connector.setIdleTimeout(s.idleTimeoutMillis());
        server.addConnector(connector);
        this.api = new Api(models, engine, s, pool);
        server.setHandler(new GracefulHandler(api));
        server.setErrorHandler(new JsonErrors());
        server.setStopTimeout(s.stopTimeoutMillis());
    }

    /** Loads the models ({@code baseId} names the base) and starts listening; fails with a one-line error. */
    public static ApiServer start(String baseId, Path base, List<Adapter> adapters, String chatTemplate, ServerSettings s) {
        Models models = Models.load(baseId, base, adapters, chatTemplate);
        ApiServer a = null;
        try {
            a = new ApiServer(models, s);
            a.server.start();
            return a;
        } catch (Exception e) {
            if (a != null) {
                a.close();
            } else {
                models.close();
            }
            throw new Finetune4jException("cannot listen on " + s.host() + ":" + s.port() + ": " + e.getMessage());
        }
    }

    /** The port listened on (the one picked when the settings said 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The model ids served, base first. */
    public List<String> modelIds() {
        return models.all().stream().map(Served::id).toList();
    }

    /** Blocks until the server stops. */
    public void join() throws InterruptedException {
        server.join();
    }

    /** Graceful stop: stops accepting, lets requests in flight finish, then frees the engine and the models. */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            server.stop();
        } catch (Exception e) {
            // already stopping or failed to stop cleanly: the engine and models are freed below either way
        }
        api.close();
        engine.close();
        models.close();
    }

    @Override
    public void close() {
        stop();
    }

    /** Jetty's own error responses as {"error": {...}} (505 for a request line without a version becomes 400). */
    private static final class JsonErrors extends ErrorHandler {
        @Override
        protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                Callback callback) {
            int status = code == HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505 ? 400 : code; // a garbage request line is the client's error
            String text = message != null ? message : HttpStatus.getMessage(code);
            ApiError e = ApiError.ofStatus(status, text.replaceAll("[^\\x20-\\x7e]", "?"));
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, ByteBuffer.wrap(Exchange.text(e.body()).getBytes(StandardCharsets.UTF_8)), callback);
        }
    }
}
