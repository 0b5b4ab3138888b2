package org.finetune4j.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.finetune4j.Finetune4jException;

/**
 * Where the Hub is and how to use it, read as huggingface_hub reads it: {@code HF_ENDPOINT},
 * {@code HF_HUB_CACHE} (else {@code HF_HOME/hub}, {@code HF_HOME} defaulting to
 * {@code ~/.cache/huggingface}), {@code HF_TOKEN} (else the file {@code HF_HOME/token}) and
 * {@code HF_HUB_OFFLINE}. A Java system property of the same name beats the environment variable.
 * The token is never part of {@link #toString()}.
 */
public final class HubSettings {

    /** The public Hub, used when HF_ENDPOINT is unset. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    private static final Set<String> TRUE = Set.of("1", "ON", "YES", "TRUE");

    private final URI endpoint;
    private final Path cache;
    private final String token;
    private final boolean offline;

    public HubSettings(URI endpoint, Path cache, String token, boolean offline) {
        String e = endpoint.toString();
        this.endpoint = URI.create(e.endsWith("/") ? e.substring(0, e.length() - 1) : e);
        this.cache = cache;
        this.token = token == null || token.isBlank() ? null : token.strip();
        this.offline = offline;
    }

    /** The settings of this process: system properties, then environment variables. */
    public static HubSettings current() {
        Map<String, String> vars = new HashMap<>(System.getenv());
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("HF_") || name.startsWith("HUGGINGFACE_") || name.equals("XDG_CACHE_HOME")) {
                vars.put(name, System.getProperty(name));
            }
        }
        vars.putIfAbsent("user.home", System.getProperty("user.home"));
        return from(vars);
    }

    /** The settings that {@code vars} (environment variable names; {@code user.home} for {@code ~}) give. */
    public static HubSettings from(Map<String, String> vars) {
        String home = vars.getOrDefault("user.home", System.getProperty("user.home"));
        Path xdg = first(vars, "XDG_CACHE_HOME") != null ? expand(first(vars, "XDG_CACHE_HOME"), home)
                : Path.of(home, ".cache");
        Path hfHome = first(vars, "HF_HOME") != null ? expand(first(vars, "HF_HOME"), home) : xdg.resolve("huggingface");
        String cacheVar = first(vars, "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE");
        Path cache = cacheVar != null ? expand(cacheVar, home) : hfHome.resolve("hub");
        String endpointVar = first(vars, "HF_ENDPOINT");
        URI endpoint;
        try {
            endpoint = URI.create(endpointVar != null ? endpointVar : DEFAULT_ENDPOINT);
        } catch (IllegalArgumentException e) {
            throw new Finetune4jException("HF_ENDPOINT is not a URL");
        }
        if (endpoint.getScheme() == null || !endpoint.getScheme().matches("https?") || endpoint.getHost() == null) {
            throw new Finetune4jException("HF_ENDPOINT must be an http(s) URL with a host");
        }
        String token = first(vars, "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN");
        if (token == null) {
            String tokenPath = first(vars, "HF_TOKEN_PATH");
            token = readToken(tokenPath != null ? expand(tokenPath, home) : hfHome.resolve("token"));
        }
        String off = first(vars, "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE");
        boolean offline = off != null && TRUE.contains(off.strip().toUpperCase(Locale.ROOT));
        return new HubSettings(endpoint, cache, token, offline);
    }

    private static String first(Map<String, String> vars, String... names) {
        for (String n : names) {
            String v = vars.get(n);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    private static Path expand(String path, String home) {
        return path.equals("~") || path.startsWith("~/") ? Path.of(home + path.substring(1)) : Path.of(path);
    }

    private static String readToken(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new Finetune4jException(file + ": cannot read the Hub token file (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The same settings with offline mode on. */
    public HubSettings offline() {
        return new HubSettings(endpoint, cache, token, true);
    }

    /** The same settings with offline mode on when {@code on}, else unchanged. */
    public HubSettings offline(boolean on) {
        return on ? offline() : this;
    }

    public URI endpoint() {
        return endpoint;
    }

    public Path cache() {
        return cache;
    }

    public boolean isOffline() {
        return offline;
    }

    public boolean hasToken() {
        return token != null;
    }

    /** The bearer token; package-private so that only the HTTP client sees it. */
    String token() {
        return token;
    }

    @Override
    public String toString() {
        return "HubSettings[endpoint=" + endpoint + ", cache=" + cache + ", token=" + (token == null ? "none" : "set")
                + ", offline=" + offline + "]";
    }
}
