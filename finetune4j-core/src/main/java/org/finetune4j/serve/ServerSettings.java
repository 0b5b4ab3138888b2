package org.finetune4j.serve;

import org.finetune4j.tensor.DType;

/**
 * How the server listens and what it accepts. {@code port} 0 picks a free port; {@code apiKey} null
 * means no key; {@code maxConcurrent} rows decode at once and {@code maxQueued} requests wait
 * (more are answered 429); bodies over {@code maxBodyBytes} get 413; a connection idle for
 * {@code idleTimeoutMillis} is closed (a body that stalls that long gets 408); requests in flight
 * get a keep-alive write every {@code probeMillis}; on stop, requests in flight get
 * {@code stopTimeoutMillis} to finish. {@code autocast} (null: float32) is the precision the models
 * run in (bfloat16 for {@code --bf16}).
 */
public record ServerSettings(String host, int port, String apiKey, int maxConcurrent, int maxQueued, int maxBodyBytes,
        long idleTimeoutMillis, long probeMillis, long stopTimeoutMillis, DType autocast) {

    public ServerSettings {
        if (maxConcurrent < 1 || maxQueued < 1 || maxBodyBytes < 1 || idleTimeoutMillis < 1 || probeMillis < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        if (apiKey != null && apiKey.isEmpty()) {
            throw new IllegalArgumentException("the API key must not be empty");
        }
    }

    /** The defaults of {@code finetune4j serve} on {@code host:port}. */
    public static ServerSettings defaults(String host, int port) {
        return new ServerSettings(host, port, null, 16, 256, 1 << 20, 30_000, 1_000, 60_000, null);
    }

    public ServerSettings withApiKey(String key) {
        return new ServerSettings(host, port, key, maxConcurrent, maxQueued, maxBodyBytes, idleTimeoutMillis, probeMillis, stopTimeoutMillis,
                autocast);
    }

    public ServerSettings withLimits(int concurrent, int queued) {
        return new ServerSettings(host, port, apiKey, concurrent, queued, maxBodyBytes, idleTimeoutMillis, probeMillis, stopTimeoutMillis,
                autocast);
    }

    public ServerSettings withTimeouts(int bodyBytes, long idleMillis, long probe, long stopMillis) {
        return new ServerSettings(host, port, apiKey, maxConcurrent, maxQueued, bodyBytes, idleMillis, probe, stopMillis, autocast);
    }

    /** The models run under autocast to {@code type} (null: as held, float32). */
    public ServerSettings withAutocast(DType type) {
        return new ServerSettings(host, port, apiKey, maxConcurrent, maxQueued, maxBodyBytes, idleTimeoutMillis, probeMillis, stopTimeoutMillis,
                type);
    }
}
