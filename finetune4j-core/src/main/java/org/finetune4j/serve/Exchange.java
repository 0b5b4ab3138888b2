package org.finetune4j.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One HTTP response, written without ever blocking the caller: text is queued and each write
 * starts when the previous one has completed (Jetty's callbacks), so a slow reader only grows its
 * own queue, which a request's max_tokens bounds. Either one JSON body ({@link #reply}) or server-sent
 * events ({@link #startEvents}, {@link #event}, {@link #endEvents}).
 *
 * <p>A client that closes its connection is only seen when a write fails; while a request waits or
 * decodes, {@link #probe} writes a keep-alive (a space before a JSON body, which JSON allows; an SSE
 * comment line in a stream) so a client that went away is seen within two probes and {@code onGone}
 * stops its decoding. A JSON body's status is then already 200: an engine failure after the first
 * probe arrives as an error body with status 200.
 */
final class Exchange {

    static final ObjectMapper JSON = org.finetune4j.io.Json.MAPPER;
    private static final String JSON_TYPE = "application/json";
    private static final String EVENTS_TYPE = "text/event-stream; charset=utf-8";

    private final Response response;
    private final Callback done;
    private final StringBuilder pending = new StringBuilder();
    private Runnable onGone = () -> { };
    private boolean committed; // status and headers chosen
    private boolean held;
    private boolean started; // a write was issued
    private boolean events;
    private boolean writing;
    private boolean ending;
    private boolean finished;
    private boolean gone;

    Exchange(Response response, Callback done) {
        this.response = response;
        this.done = done;
    }

    /** What to run when the client is found gone (called once, on a Jetty thread). */
    synchronized void onGone(Runnable r) {
        this.onGone = r;
    }

    /** Whether the response is complete or failed. */
    synchronized boolean over() {
        return finished || gone;
    }

    /** The whole response: {@code status} and one JSON body (status is ignored when a probe already sent 200). */
    synchronized void reply(int status, JsonNode body) {
        if (ending || gone) {
            return;
        }
        if (!committed) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON_TYPE);
            committed = true;
        }
        pending.append(text(body));
        ending = true;
        flush();
    }

    /** An OpenAI-style error: the response when nothing was written yet, else an SSE event (or, after a probe, the body). */
    void error(ApiError e) {
        synchronized (this) {
            if (!started) {
                pending.setLength(0);
                held = false;
                events = false;
                committed = false;
            } else if (events) {
                event(text(e.body()));
                endEvents(false);
                return;
            }
        }
        reply(e.status, e.body());
    }

    /** Queues without writing until {@link #release} (so a refusal can still replace what was queued). */
    synchronized void hold() {
        held = true;
    }

    /** Writes what was queued while held. */
    synchronized void release() {
        held = false;
        flush();
    }

    /** Starts a 200 event stream. */
    synchronized void startEvents() {
        if (!committed) {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, EVENTS_TYPE);
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            committed = true;
        }
        events = true;
    }

    /** One {@code data:} event. */
    synchronized void event(String data) {
        if (ending || gone) {
            return;
        }
        pending.append("data: ").append(data).append("\n\n");
        flush();
    }

    /** Ends the stream, after {@code data: [DONE]} when {@code doneMarker}. */
    synchronized void endEvents(boolean doneMarker) {
        if (ending || gone) {
            return;
        }
        if (doneMarker) {
            pending.append("data: [DONE]\n\n");
        }
        ending = true;
        flush();
    }

    /** A keep-alive write when nothing is being written (see the class comment); commits a pending JSON response. */
    synchronized void probe() {
        if (held || ending || gone || writing || pending.length() > 0) {
            return;
        }
        if (!committed) {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON_TYPE);
            committed = true;
        }
        pending.append(events ? ": keep-alive\n\n" : " ");
        flush();
    }

    /** Writes what is pending unless a write is in flight; the last write completes the exchange. */
    private void flush() {
        if (held || writing || gone || finished || (pending.length() == 0 && !ending)) {
            return;
        }
        started = true;
        ByteBuffer bytes = ByteBuffer.wrap(pending.toString().getBytes(StandardCharsets.UTF_8));
        pending.setLength(0);
        boolean last = ending;
        writing = true;
        response.write(last, bytes, new Callback() {
            @Override
            public void succeeded() {
                written(last, null);
            }

            @Override
            public void failed(Throwable x) {
                written(last, x);
            }
        });
    }

    private void written(boolean last, Throwable failure) {
        Runnable gone;
        synchronized (this) {
            writing = false;
            if (failure == null && !last) {
                flush();
                return;
            }
            finished = failure == null;
            this.gone = failure != null;
            gone = failure != null ? onGone : null;
        }
        if (failure == null) {
            done.succeeded();
        } else {
            done.failed(failure);
            gone.run();
        }
    }

    static String text(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
