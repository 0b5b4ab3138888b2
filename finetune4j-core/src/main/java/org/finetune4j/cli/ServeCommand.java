package org.finetune4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.finetune4j.serve.ApiServer;
import org.finetune4j.serve.ServerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code finetune4j serve}: a causal LM or a classifier (and adapters on it) behind OpenAI's HTTP API. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model over OpenAI's HTTP API, so OpenAI's own clients call it unchanged.",
                "A causal LM serves POST /v1/completions and POST /v1/chat/completions (streaming too).",
                "A sequence classifier serves POST /v1/classify (an extension: labels and probabilities).",
                "GET /v1/models lists the model ids: the base folder's name, then each adapter's; GET /health the engine's state.",
                "Concurrent requests decode together in one batch; when --max-queued requests wait, more get 429.",
                "SIGTERM or Ctrl-C stops gracefully: running requests finish first."})
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Causal LM or sequence-classification folder with a tokenizer, or a Hub id.")
    Path model;

    @Mixin
    HubOptions hub;

    @Option(names = "--adapter", paramLabel = "[NAME=]DIR",
            description = "A PEFT LoRA adapter on the model, served as model id NAME (default: the folder's name); repeatable.")
    List<String> adapters = new ArrayList<>();

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS", description = "Address to listen on (default 127.0.0.1: this machine only).")
    String host;

    @Option(names = "--port", defaultValue = "8000", paramLabel = "PORT", description = "Port (default 8000; 0 picks a free one).")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on /v1 routes (default: the FINETUNE4J_API_KEY environment variable, else none).")
    String apiKey;

    @Option(names = "--max-concurrent", defaultValue = "16", paramLabel = "N",
            description = "Sequences decoded together at most (each choice of a request is one; default 16).")
    int maxConcurrent;

    @Option(names = "--max-queued", defaultValue = "256", paramLabel = "N",
            description = "Requests waiting at most; more are answered 429 (default 256).")
    int maxQueued;

    @Option(names = "--chat-template", paramLabel = "NAME", completionCandidates = GenerateCommand.BuiltInTemplates.class,
            description = "Chat template for /v1/chat/completions instead of the model's: ${COMPLETION-CANDIDATES}.")
    String chatTemplate;

    @Mixin
    PrecisionOption precision;

    @Mixin
    ThreadsOption threads;

    @Mixin
    DeviceOption device;

    @Override
    public Integer call() throws InterruptedException {
        if (maxConcurrent < 1 || maxQueued < 1) {
            throw new ParameterException(spec.commandLine(), "--max-concurrent and --max-queued must be at least 1");
        }
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be in 0-65535, not " + port);
        }
        threads.apply();
        device.apply();
        String baseId = Files.exists(model) ? model.toAbsolutePath().normalize().getFileName().toString() : model.toString();
        Path base = hub.model(model);
        String key = apiKey != null ? apiKey : System.getenv("FINETUNE4J_API_KEY");
        ServerSettings s = ServerSettings.defaults(host, port).withLimits(maxConcurrent, maxQueued)
                .withApiKey(key == null || key.isEmpty() ? null : key).withAutocast(precision.autocast());
        ApiServer server = ApiServer.start(baseId, base, adapters(), chatTemplate, s);
        Thread hook = new Thread(server::stop, "finetune4j-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        spec.commandLine().getOut().printf("serving %s on http://%s:%d/v1 (OpenAI API; GET /health)%s%n",
                String.join(", ", server.modelIds()), host, server.port(), s.apiKey() == null ? "" : "; API key required");
        if (s.apiKey() == null && !host.equals("127.0.0.1") && !host.equals("localhost")) {
            spec.commandLine().getErr().println("note: listening on " + host + " without --api-key: anyone who reaches it can use it");
        }
        spec.commandLine().getOut().flush();
        server.join();
        return 0;
    }

    /** --adapter values as (id, folder): NAME=DIR, or DIR named by its folder. */
    private List<ApiServer.Adapter> adapters() {
        List<ApiServer.Adapter> out = new ArrayList<>();
        for (String a : adapters) {
            int eq = a.indexOf('=');
            Path dir = Path.of(eq > 0 ? a.substring(eq + 1) : a);
            String id = eq > 0 ? a.substring(0, eq) : dir.toAbsolutePath().normalize().getFileName().toString();
            if (id.isBlank()) {
                throw new ParameterException(spec.commandLine(), "--adapter " + a + ": the name is empty");
            }
            out.add(new ApiServer.Adapter(id, dir));
        }
        return out;
    }
}
