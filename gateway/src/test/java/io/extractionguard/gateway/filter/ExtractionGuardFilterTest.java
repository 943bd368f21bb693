package io.extractionguard.gateway.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;

import io.extractionguard.gateway.support.Await;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.FluxExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.support.TestBackend;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;

/**
 * The filter through a real gateway to the real demo backend, with the shipped default policy.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
@ExtendWith(OutputCaptureExtension.class)
class ExtractionGuardFilterTest {

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
    }

    @Autowired
    WebTestClient client;

    @Autowired
    StateStore store;

    @Autowired
    MeterRegistry meters;

    static String account() {
        return "acct-" + UUID.randomUUID();
    }

    static String anthropic(String text, int maxTokens, boolean stream) {
        return "{\"model\":\"claude-test\",\"max_tokens\":" + maxTokens + ",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    static String chat(String text) {
        return "{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    private WebTestClient.ResponseSpec post(String path, String account, String body) {
        return client.post().uri(path)
                .header("x-account-id", account)
                .header("x-api-key", "sk-test-secret-key")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    @Test
    void allowedRequestIsForwardedByteForByteWithRateLimitHeaders() {
        String body = "{ \"model\" : \"claude-test\",\n  \"max_tokens\": 16,\n  \"messages\": [ {\"role\":\"user\","
                + "\"content\":\"Grüße, \\u00e9t\u00e9 — how are you?\"} ] , \"metadata\":{\"x\":[1,2.50,true]} }";
        String account = account();
        post("/v1/messages", account, body)
                .expectStatus().isOk()
                .expectHeader().valueEquals("RateLimit-Policy", "\"requests\";q=10;w=60")
                .expectHeader().valueMatches("RateLimit", "\"requests\";r=9;t=\\d+")
                .expectBody().jsonPath("$.type").isEqualTo("message")
                .jsonPath("$.usage.output_tokens").isEqualTo(16);
        var received = TestBackend.get().lastRequest().orElseThrow();
        assertThat(received.path()).isEqualTo("/v1/messages");
        assertThat(received.body()).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
        assertThat(received.headers()).containsEntry("x-account-id", account)
                .containsEntry("x-api-key", "sk-test-secret-key").containsEntry("accept-encoding", AnswerCoding.ACCEPT);
    }

    @Test
    void templatedCotHarvestingBurstIsChallengedOrBlockedWithinTenRequestsWhileAnotherAccountIsUnaffected() {
        String harvester = account();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String prompt = "You are an expert software engineer. Implement the following python function and show your "
                    + "full reasoning step by step, including every intermediate step. Task " + i + ": write a function "
                    + "that returns the " + (i * 7 % 13) + "th element of an algorithm sequence.";
            statuses.add(post("/v1/messages", harvester, anthropic(prompt, 16000, false))
                    .returnResult(Void.class).getStatus().value());
        }
        int firstRejection = indexOfFirstOtherThan(statuses, 200);
        int firstForbidden = statuses.indexOf(403);
        assertThat(firstRejection).as("statuses %s", statuses).isPositive().isLessThan(10);
        // a throttle (429) comes first when the evidence builds up gradually; standalone long asks
        // (one-shot-asks) add their evidence whole once 6 requests are seen, so the burst may go
        // straight from 200 to 403
        assertThat(statuses.get(firstRejection)).as("first rejection: %s", statuses).isIn(429, 403);
        assertThat(firstForbidden).as("challenged or blocked within 10 requests: %s", statuses)
                .isGreaterThanOrEqualTo(firstRejection).isLessThan(10);
        assertThat(statuses.subList(firstForbidden, statuses.size())).as("no request gets through after a 403")
                .doesNotContain(200);

        post("/v1/messages", account(), anthropic("What is a good name for a ginger cat?", 32, false))
                .expectStatus().isOk().expectBody();
    }

    @Test
    void throttledRequestGetsAnthropicErrorWithRetryAfterAndRateLimitHeaders() {
        String account = account();
        for (int i = 0; i < 10; i++) {
            post("/v1/messages", account, anthropic("question " + i, 8, false)).expectStatus().isOk().expectBody();
        }
        post("/v1/messages", account, anthropic("one more", 8, false))
                .expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
                .expectHeader().valueMatches("retry-after", "\\d+")
                .expectHeader().valueEquals("RateLimit-Policy", "\"requests\";q=10;w=60")
                .expectHeader().valueMatches("RateLimit", "\"requests\";r=0;t=\\d+")
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo("error")
                .jsonPath("$.error.type").isEqualTo("rate_limit_error")
                .jsonPath("$.error.message").value(m -> assertThat((String) m).startsWith("Rate limit exceeded"));
    }

    @Test
    void throttledRequestGetsOpenAiErrorOnOpenAiPaths() {
        String account = account();
        for (int i = 0; i < 10; i++) {
            post("/v1/chat/completions", account, chat("question " + i)).expectStatus().isOk().expectBody();
        }
        post("/v1/responses", account, "{\"model\":\"gpt-test\",\"input\":\"one more\"}")
                .expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
                .expectHeader().exists("retry-after")
                .expectBody()
                .jsonPath("$.error.type").isEqualTo("requests")
                .jsonPath("$.error.code").isEqualTo("rate_limit_exceeded")
                .jsonPath("$.error.param").isEmpty();
    }

    @Test
    void blockedAccountGets403InEachApiFormatWithoutScoreOrSignals() {
        String account = account();
        store.putVerdict(account, new Verdict(Verdict.Kind.BLOCK, java.time.Instant.now().plusSeconds(600),
                "operator/test", List.of("cot-elicitation"), "test"));
        EntityExchangeResult<byte[]> anthropic = post("/v1/messages", account, anthropic("hi", 8, false))
                .expectStatus().isForbidden()
                .expectBody().jsonPath("$.type").isEqualTo("error")
                .jsonPath("$.error.type").isEqualTo("permission_error")
                .returnResult();
        post("/v1/chat/completions", account, chat("hi"))
                .expectStatus().isForbidden()
                .expectBody().jsonPath("$.error.type").isEqualTo("permission_error")
                .jsonPath("$.error.code").isEqualTo("access_denied");
        String text = new String(anthropic.getResponseBody(), StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("cot-elicitation").doesNotContain("score");
    }

    @Test
    void oversizedBodyIsRefusedWith413WhetherDeclaredOrChunked() {
        String big = anthropic("x".repeat(1_100_000), 8, false);
        post("/v1/messages", account(), big)
                .expectStatus().isEqualTo(HttpStatus.CONTENT_TOO_LARGE)
                .expectBody().jsonPath("$.error.type").isEqualTo("request_too_large");

        byte[] bytes = chat("y".repeat(1_100_000)).getBytes(StandardCharsets.UTF_8);
        Flux<DataBuffer> chunked = Flux.range(0, bytes.length / 65536 + 1).map(i -> DefaultDataBufferFactory.sharedInstance
                .wrap(java.util.Arrays.copyOfRange(bytes, i * 65536, Math.min(bytes.length, (i + 1) * 65536))));
        client.post().uri("/v1/chat/completions")
                .header("x-account-id", account())
                .contentType(MediaType.APPLICATION_JSON)
                .body(chunked, DataBuffer.class)
                .exchange()
                .expectStatus().isEqualTo(HttpStatus.CONTENT_TOO_LARGE)
                .expectBody().jsonPath("$.error.code").isEqualTo("request_too_large");
    }

    @Test
    void malformedBodyIsA400InTheApisFormatAndNeverReachesTheBackend() {
        long before = TestBackend.get().requestCount();
        post("/v1/messages", account(), "{\"model\": \"x\", \"messages\": [")
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error.type").isEqualTo("invalid_request_error")
                .jsonPath("$.error.message").value(m -> assertThat((String) m).startsWith("request body is not valid JSON"));
        post("/v1/chat/completions", account(), "{\"model\":\"x\",\"messages\":\"hello\"}")
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error.message").isEqualTo("messages: must be an array")
                .jsonPath("$.error.type").isEqualTo("invalid_request_error");
        client.post().uri("/v1/messages").contentType(MediaType.TEXT_PLAIN).bodyValue("hello")
                .exchange()
                .expectStatus().isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE).expectBody();
        assertThat(TestBackend.get().requestCount()).isEqualTo(before);
    }

    @Test
    void sseStreamingPassesThroughAsItIsProducedNotBuffered() {
        long started = System.nanoTime();
        FluxExchangeResult<String> result = client.post().uri("/v1/messages")
                .header("x-account-id", account())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(anthropic("stream please", 40, true))
                .exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .returnResult(String.class);
        List<Long> arrivals = new ArrayList<>();
        List<String> events = result.getResponseBody()
                .doOnNext(e -> arrivals.add((System.nanoTime() - started) / 1_000_000))
                .collectList().block(Duration.ofSeconds(20));
        assertThat(events).isNotNull();
        assertThat(String.join("\n", events)).contains("message_start", "content_block_delta", "message_delta",
                "\"output_tokens\":40", "message_stop");
        long first = arrivals.get(0);
        long last = arrivals.get(arrivals.size() - 1);
        // 40 deltas 25 ms apart: a buffering proxy would deliver everything at once at the end.
        assertThat(last - first).as("events spread over the stream's duration").isGreaterThan(500);
    }

    @Test
    void nonInferencePathsPassThroughWithoutEvaluation() {
        double before = decisions();
        client.get().uri("/v1/models").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.object").isEqualTo("list");
        assertThat(decisions()).isEqualTo(before);
    }

    @Test
    void eachDecisionIsLoggedAsOneJsonLineWithoutPromptOrKeyAndCounted(CapturedOutput output) throws InterruptedException {
        String account = account();
        double before = decisions();
        post("/v1/messages", account, anthropic("my secret prompt text", 8, false)).expectStatus().isOk().expectBody();
        assertThat(decisions()).isEqualTo(before + 1);
        String line = Await.logLine(output, l -> l.contains(account));
        assertThat(line).startsWith("{\"ts\":").contains("\"event\":\"decision\"", "\"action\":\"ALLOW\"",
                "\"reasons\":[]", "\"policy\":\"" + shippedPolicyVersion() + " (", "\"route\":\"model-api\"");
        tools.jackson.databind.JsonNode parsed = tools.jackson.databind.json.JsonMapper.builder().build().readTree(line);
        assertThat(parsed.get("account").asString()).isEqualTo(account);
        assertThat(parsed.get("score").isNumber()).isTrue();
        assertThat(parsed.get("latency_us").asLong()).isNotNegative();
        assertThat(output.getAll()).doesNotContain("my secret prompt text").doesNotContain("sk-test-secret-key");
    }

    private double decisions() {
        return meters.find("guard.decisions").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static int indexOfFirstOtherThan(List<Integer> list, int value) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) != value) {
                return i;
            }
        }
        return -1;
    }

    /** The version line of the policy the gateway ships (config/policies/default.yaml). */
    private static String shippedPolicyVersion() {
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^version: \"([^\"]+)\"")
                    .matcher(java.nio.file.Files.readString(java.nio.file.Path.of("..", "config", "policies", "default.yaml")));
            return m.find() ? m.group(1) : "no version line";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
