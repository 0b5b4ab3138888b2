package org.finetune4j.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.finetune4j.tokenize.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server driven by OpenAI's official Java SDK: completion, chat, streaming and errors on the
 * stories260K-shaped model, greedy texts equal to {@code finetune4j generate}'s. The SDK also reads
 * the keep-alive writes a request in flight gets (see {@link Exchange}).
 */
class OpenAiClientTest {

    private static final String KEY = "sk-test";
    private static ApiServer server;
    private static OpenAIClient client;

    @BeforeAll
    static void start() { // keep-alive probes every 5 ms, so most answers start with them (spaces, SSE comments)
        server = ServeFixture.start(ServeFixture.settings().withApiKey(KEY).withTimeouts(1 << 20, 30_000, 5, 5_000));
        client = client(KEY);
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    private static OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + server.port() + "/v1").apiKey(key).maxRetries(0).build();
    }

    private static CompletionCreateParams greedy(String prompt, int tokens) {
        return CompletionCreateParams.builder().model(ServeFixture.ID).prompt(prompt).maxTokens(tokens).temperature(0.0).build();
    }

    /** {@code finetune4j generate --json} on the same model: the prompt's text and the whole text. */
    private static String[] generate(String prompt, int tokens, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("generate", "--model", ServeFixture.model().toString(), "--prompt", prompt,
                "--max-new-tokens", Integer.toString(tokens), "--json"));
        args.addAll(List.of(extra));
        ServeFixture.CliResult r = ServeFixture.cli(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        try (Tokenizer tok = Tokenizer.load(ServeFixture.model())) {
            long[] promptIds = new ObjectMapper().convertValue(j.get("prompt_ids"), long[].class);
            return new String[] {tok.decode(promptIds, true), j.get("text").asText()};
        }
    }

    @Test
    void aGreedyCompletionIsGeneratesText() throws IOException {
        Completion c = client.completions().create(greedy("Once upon a time", 12));
        String[] g = generate("Once upon a time", 12);
        CompletionChoice choice = c.choices().get(0);
        assertThat(g[0] + choice.text()).isEqualTo(g[1]);
        assertThat(choice.text()).isNotEmpty();
        assertThat(c.model()).isEqualTo(ServeFixture.ID);
        assertThat(c.usage().orElseThrow().completionTokens() + c.usage().orElseThrow().promptTokens())
                .isEqualTo(c.usage().orElseThrow().totalTokens());
    }

    @Test
    void aGreedyChatIsGenerateWithTheSameTemplate() throws IOException {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model(ServeFixture.ID)
                .addUserMessage("hello world").maxCompletionTokens(8).temperature(0.0).build());
        String[] g = generate("hello world", 8, "--chat-template", "chatml");
        String content = c.choices().get(0).message().content().orElseThrow();
        assertThat(g[0] + content).isEqualTo(g[1]);
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
    }

    @Test
    void streamedChunksAddUpToTheWholeAnswer() {
        String whole = client.completions().create(greedy("The little dog", 10)).choices().get(0).text();
        StringBuilder streamed = new StringBuilder();
        List<String> finish = new ArrayList<>();
        try (StreamResponse<Completion> s = client.completions().createStreaming(greedy("The little dog", 10))) {
            s.stream().forEach(c -> c.choices().forEach(ch -> {
                streamed.append(ch.text());
                ch._finishReason().asKnown().ifPresent(f -> finish.add(f.toString()));
            }));
        }
        assertThat(streamed.toString()).isEqualTo(whole);
        assertThat(finish).containsExactly("length");

        ChatCompletionCreateParams chat = ChatCompletionCreateParams.builder().model(ServeFixture.ID)
                .addUserMessage("hi").maxCompletionTokens(6).temperature(0.0).build();
        String answer = client.chat().completions().create(chat).choices().get(0).message().content().orElseThrow();
        StringBuilder deltas = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(chat)) {
            s.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(deltas::append)));
        }
        assertThat(deltas.toString()).isEqualTo(answer);
    }

    @Test
    void concurrentRequestsDecodeInOneBatchAndGiveTheirOwnTexts() throws Exception {
        List<String> prompts = List.of("Once upon a time", "The cat", "hello world", "A big red", "She said", "1 2 3");
        List<String> alone = new ArrayList<>();
        for (String p : prompts) {
            alone.add(client.completions().create(greedy(p, 16)).choices().get(0).text());
        }
        ExecutorService pool = Executors.newFixedThreadPool(prompts.size());
        try {
            List<Future<String>> together = new ArrayList<>();
            for (String p : prompts) {
                together.add(pool.submit(() -> client.completions().create(greedy(p, 16)).choices().get(0).text()));
            }
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(together.get(i).get()).as(prompts.get(i)).isEqualTo(alone.get(i));
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void seededSamplingRepeatsAndStopsCutTheText() {
        CompletionCreateParams p = CompletionCreateParams.builder().model(ServeFixture.ID).prompt("Once").maxTokens(20)
                .temperature(1.2).topP(0.9).seed(11L).n(2L).build();
        Completion a = client.completions().create(p);
        Completion b = client.completions().create(p);
        assertThat(a.choices().get(0).text()).isEqualTo(b.choices().get(0).text());
        assertThat(a.choices().get(1).text()).isEqualTo(b.choices().get(1).text());
        String text = a.choices().get(0).text();
        String stop = text.substring(text.length() / 2, text.length() / 2 + 1);
        Completion cut = client.completions().create(p.toBuilder().stop(stop).build());
        assertThat(cut.choices().get(0).text()).isEqualTo(text.substring(0, text.indexOf(stop)));
        assertThat(cut.choices().get(0).finishReason()).isEqualTo(CompletionChoice.FinishReason.STOP);
    }

    @Test
    void errorsArriveAsTheSdksExceptions() {
        assertThatThrownBy(() -> client.completions().create(greedy("x", 600)))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("maximum context length is 512");
        assertThatThrownBy(() -> client.completions().create(greedy("x", 4).toBuilder().model("nope").build()))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("nope");
        OpenAIClient wrong = client("sk-wrong");
        assertThatThrownBy(() -> wrong.completions().create(greedy("x", 4))).isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> wrong.models().list()).isInstanceOf(UnauthorizedException.class);
        wrong.close();
        assertThat(client.models().list().data()).extracting(m -> m.id()).containsExactly(ServeFixture.ID);
    }
}
