package io.extractionguard.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import io.extractionguard.demo.DemoBackend;
import io.extractionguard.demo.DemoBackendSettings;
import io.extractionguard.engine.spi.TokenLimiter;
import io.extractionguard.engine.limits.TokenOutcome;
import io.extractionguard.engine.policy.PolicyHolder;
import io.extractionguard.gateway.support.Await;
import io.extractionguard.gateway.support.NettyLeaks;

/**
 * Token accounting through the real gateway and a demo backend that waits 100 ms before its first
 * byte and streams one token every 20 ms, under {@code policies/tokens.yaml} (free tier: 1 000
 * requests, 100 output and 5 000 input tokens a day).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
class TokenAccountingTest {

    static final Duration FIRST_BYTE = Duration.ofMillis(100);
    static final DemoBackend BACKEND = DemoBackend.start(DemoBackendSettings.DEFAULT
            .withOutputTokens(200).withFirstByteDelay(FIRST_BYTE).withStreaming(1, Duration.ofMillis(20)));

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("guard.upstream-uri", BACKEND::baseUrl);
        registry.add("guard.policy.path", () -> "src/test/resources/policies/tokens.yaml");
    }

    @AfterAll
    static void stop() {
        BACKEND.close();
    }

    @Autowired
    WebTestClient client;

    @LocalServerPort
    int port;

    @Autowired
    TokenLimiter tokens;

    @Autowired
    PolicyHolder policy;

    static String account() {
        return "acct-" + UUID.randomUUID();
    }

    static String anthropic(int maxTokens, boolean stream) {
        return "{\"model\":\"claude-test\",\"max_tokens\":" + maxTokens + ",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about tokens.\"}]}";
    }

    static String chat(int maxTokens, String streamPart) {
        return "{\"model\":\"gpt-test\",\"max_completion_tokens\":" + maxTokens + streamPart
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about tokens.\"}]}";
    }

    /** The demo backend's input usage: a quarter of the bytes it received. */
    static long inputOf(byte[] forwarded) {
        return Math.max(1, forwarded.length / 4);
    }

    private WebTestClient.ResponseSpec post(String path, String account, String body) {
        return client.post().uri(path)
                .header("x-account-id", account)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    private TokenOutcome budget(String account) {
        var p = policy.get();
        return tokens.check(account, p.tokenBudget(p.tierLimits(null)), 1.0);
    }

    private static void awaitUntil(LongSupplier value, long expected) throws InterruptedException {
        Await.until(value, v -> v == expected, "expected " + expected);
    }

    @Test
    void aStreamOfKnownUsageChargesExactlyThatManyTokens() throws Exception {
        String account = account();
        String body = anthropic(40, true);
        String events = post("/v1/messages", account, body).expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(events).contains("\"output_tokens\":40", "message_stop");
        awaitUntil(() -> budget(account).output().remaining(), 100 - 40);
        // the output reserved (max_tokens 40) equals the output used: the input shows when the usage is reconciled
        awaitUntil(() -> budget(account).input().remaining(), 5000 - inputOf(body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void responsesStreamAndJsonBodiesAreChargedExactly() throws Exception {
        String account = account();
        post("/v1/responses", account, "{\"model\":\"gpt-test\",\"max_output_tokens\":12,\"stream\":true,\"input\":\"hi\"}")
                .expectStatus().isOk().expectBody(String.class)
                .value(s -> assertThat(s).contains("response.completed"));
        awaitUntil(() -> budget(account).output().remaining(), 100 - 12);
        post("/v1/chat/completions", account, chat(30, "")).expectStatus().isOk()
                .expectBody().jsonPath("$.usage.completion_tokens").isEqualTo(30);
        awaitUntil(() -> budget(account).output().remaining(), 100 - 12 - 30);
    }

    @Test
    void aChatStreamWithoutIncludeUsageIsMeteredAndTheClientSeesNoUsageChunk() throws Exception {
        String account = account();
        String body = chat(20, ",\"stream\":true");
        String events = post("/v1/chat/completions", account, body).expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        byte[] forwarded = BACKEND.lastRequest().orElseThrow().body();
        assertThat(new String(forwarded, StandardCharsets.UTF_8)).contains("\"stream_options\":{\"include_usage\":true}");
        assertThat(events).doesNotContain("\"choices\":[]").doesNotContain("completion_tokens")
                .contains("\"finish_reason\":\"length\"").endsWith("data: [DONE]\n\n");
        awaitUntil(() -> budget(account).output().remaining(), 100 - 20);
        awaitUntil(() -> budget(account).input().remaining(), 5000 - inputOf(forwarded));
    }

    @Test
    void aChatStreamAnsweredWithOneJsonBodyIsMeteredAndPassesWhole() throws Exception {
        String account = account();
        String answer = post("/v1/chat/completions", account, chat(20, ",\"stream\":true"), "x-demo-stream", "json")
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(answer).startsWith("{").contains("\"completion_tokens\":20");
        awaitUntil(() -> budget(account).output().remaining(), 100 - 20);
    }

    @Test
    void aChatStreamThatAskedForUsageIsForwardedByteForByteAndKeepsItsUsageChunk() throws Exception {
        String account = account();
        String body = chat(20, ",\"stream\":true, \"stream_options\" : {\"include_usage\": true}");
        String events = post("/v1/chat/completions", account, body).expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(BACKEND.lastRequest().orElseThrow().body()).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
        assertThat(events).contains("\"choices\":[]", "\"completion_tokens\":20");
        awaitUntil(() -> budget(account).output().remaining(), 100 - 20);
    }

    @Test
    void aSpentTokenBudgetRejectsTheNextRequestWithA429AndRetryAfter() throws Exception {
        String account = account();
        post("/v1/messages", account, anthropic(64, false)).expectStatus().isOk().expectBody();
        awaitUntil(() -> budget(account).output().remaining(), 36);
        post("/v1/messages", account, anthropic(64, false)).expectStatus().isOk().expectBody(); // not spent yet: served in full
        awaitUntil(() -> budget(account).output().remaining(), 0);
        long before = BACKEND.requestCount();

        post("/v1/messages", account, anthropic(64, false))
                .expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
                .expectHeader().value(HttpHeaders.RETRY_AFTER, v -> assertThat(Long.parseLong(v)).isBetween(3_600L, 86_400L))
                .expectHeader().valueEquals("anthropic-ratelimit-output-tokens-remaining", "0")
                .expectBody().jsonPath("$.error.type").isEqualTo("rate_limit_error")
                .jsonPath("$.error.message").value(m -> assertThat((String) m).startsWith("Token budget exhausted"));
        post("/v1/chat/completions", account, chat(5, ""))
                .expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
                .expectHeader().valueEquals("x-ratelimit-remaining-tokens", "0")
                .expectBody().jsonPath("$.error.type").isEqualTo("tokens")
                .jsonPath("$.error.code").isEqualTo("rate_limit_exceeded");
        assertThat(BACKEND.requestCount()).as("refused requests never reach the model").isEqualTo(before);
    }

    @Test
    void limitHeadersUseEachUpstreamsNamesAndGoDownAsTheyAreSpent() throws Exception {
        String account = account();
        List<Long> requests = new ArrayList<>();
        List<Long> outputTokens = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            EntityExchangeResult<byte[]> r = post("/v1/messages", account, anthropic(10, false))
                    .expectStatus().isOk().expectBody().returnResult();
            HttpHeaders h = r.getResponseHeaders();
            requests.add(Long.parseLong(h.getFirst("anthropic-ratelimit-requests-remaining")));
            outputTokens.add(Long.parseLong(h.getFirst("anthropic-ratelimit-output-tokens-remaining")));
            assertThat(h.getFirst("anthropic-ratelimit-requests-limit")).isEqualTo("1000");
            assertThat(h.getFirst("anthropic-ratelimit-output-tokens-limit")).isEqualTo("100");
            assertThat(h.getFirst("anthropic-ratelimit-input-tokens-limit")).isEqualTo("5000");
            assertThat(h.getFirst("anthropic-ratelimit-tokens-remaining")).isNotNull();
            assertThat(Instant.parse(h.getFirst("anthropic-ratelimit-output-tokens-reset")))
                    .isBetween(Instant.now().minusSeconds(5), Instant.now().plusSeconds(86_400));
            int charged = i + 1;
            awaitUntil(() -> budget(account).output().remaining(), 100 - 10L * charged);
        }
        assertThat(requests).containsExactly(999L, 998L, 997L);
        // after this request's reservation (max_tokens 10, used in full), like the request figures
        assertThat(outputTokens).containsExactly(90L, 80L, 70L);

        String openAi = account();
        List<Long> openAiTokens = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpHeaders h = post("/v1/chat/completions", openAi, chat(10, "")).expectStatus().isOk()
                    .expectBody().returnResult().getResponseHeaders();
            assertThat(h.getFirst("x-ratelimit-limit-requests")).isEqualTo("1000");
            assertThat(h.getFirst("x-ratelimit-remaining-requests")).isEqualTo(Long.toString(999 - i));
            assertThat(h.getFirst("x-ratelimit-reset-requests")).matches("(\\d+h)?(\\d+m)?\\d+s");
            assertThat(h.getFirst("x-ratelimit-reset-tokens")).matches("(\\d+h)?(\\d+m)?\\d+s");
            assertThat(h.getFirst("anthropic-ratelimit-requests-remaining")).isNull();
            openAiTokens.add(Long.parseLong(h.getFirst("x-ratelimit-remaining-tokens")));
            int charged = i + 1;
            awaitUntil(() -> budget(openAi).output().remaining(), 100 - 10L * charged);
        }
        assertThat(openAiTokens.get(2)).isLessThan(openAiTokens.get(1));
        assertThat(openAiTokens.get(1)).as("output (80/100) binds over input").isEqualTo(80);
    }

    private WebTestClient.ResponseSpec post(String path, String account, String body, String header, String value) {
        return client.post().uri(path)
                .header("x-account-id", account)
                .header(header, value)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    /** The four answers metered: JSON and SSE of both APIs (the Chat stream without include_usage), 10 tokens each. */
    private void chargedTenTokensEach(String account, String header, String value) throws Exception {
        String[][] requests = {{"/v1/messages", anthropic(10, false)}, {"/v1/messages", anthropic(10, true)},
                {"/v1/chat/completions", chat(10, "")}, {"/v1/chat/completions", chat(10, ",\"stream\":true")}};
        long inputUsed = 0;
        for (int i = 0; i < requests.length; i++) {
            String answer = post(requests[i][0], account, requests[i][1], header, value).expectStatus().isOk()
                    .expectHeader().doesNotExist(HttpHeaders.CONTENT_ENCODING)
                    .expectBody(String.class).returnResult().getResponseBody();
            assertThat(BACKEND.lastRequest().orElseThrow().headers()).containsEntry("accept-encoding", "identity");
            assertThat(answer).as("the client reads the answer plain, no usage chunk it did not ask for")
                    .contains("\"model\":").doesNotContain("\"choices\":[]");
            long charged = 10L * (i + 1);
            awaitUntil(() -> budget(account).output().remaining(), 100 - charged);
            // the input is reconciled after the output settles: wait for exactly what the upstream reported
            inputUsed += inputOf(BACKEND.lastRequest().orElseThrow().body());
            long inputRemaining = 5000 - inputUsed;
            awaitUntil(() -> budget(account).input().remaining(), inputRemaining);
        }
    }

    @Test
    void aClientAcceptingGzipIsChargedExactlyAsOneThatDoesNot() throws Exception {
        String plain = account();
        chargedTenTokensEach(plain, HttpHeaders.ACCEPT_ENCODING, "identity");
        String gzip = account();
        chargedTenTokensEach(gzip, HttpHeaders.ACCEPT_ENCODING, "gzip, deflate, br");
        assertThat(budget(gzip).input().remaining()).isEqualTo(budget(plain).input().remaining());
    }

    @Test
    void anUpstreamThatCompressesAnywayIsDecodedAndCharged() throws Exception {
        // the demo gzips whatever it was asked for: the guard decodes, meters and forwards the answer plain
        chargedTenTokensEach(account(), "x-demo-content-encoding", "gzip");
    }

    @Test
    void anAnswerInACodingTheGuardCannotDecodeIsChargedItsWholeReservation() throws Exception {
        double before = unreadable();
        String account = account();
        byte[] answer = post("/v1/messages", account, anthropic(30, false), "x-demo-content-encoding", "br")
                .expectStatus().isOk()
                .expectHeader().valueEquals(HttpHeaders.CONTENT_ENCODING, "br") // passed as it came
                .expectBody().returnResult().getResponseBody();
        assertThat(answer).startsWith(0x1f, 0x8b); // the demo's gzip bytes under the label br
        awaitUntil(() -> budget(account).output().remaining(), 100 - 30);
        assertThat(budget(account).input().remaining()).isLessThan(5000);
        assertThat(unreadable()).isEqualTo(before + 1);
    }

    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    private double unreadable() {
        return meters.find("guard.usage.unreadable").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void aClientThatDisconnectsMidStreamIsChargedForTheStreamedPartAndTheBackendIsReleased() throws Exception {
        String account = account();
        // 200 tokens at 20 ms: about 4 s in all; message_start, content_block_start, ping, 9 deltas, then hang up
        List<String> received = hangUpAfter(12, "/v1/messages", account, anthropic(200, true));
        long hungUpAt = System.nanoTime();
        assertThat(received).hasSize(12);
        Await.until(() -> budget(account).output().remaining(), v -> v < 100, "charged");
        long charged = 100 - budget(account).output().remaining();
        assertThat(charged).as("the streamed part, estimated from its text, not the full 200").isBetween(3L, 100L);

        long deadline = hungUpAt + Duration.ofMillis(1500).toNanos();
        while (BACKEND.activeStreams() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(BACKEND.activeStreams()).as("backend stream cancelled well before its natural end").isZero();
    }

    @Test
    void aChatStreamTheGuardRewritesLeavesNoBufferBehindWhenTheClientHangsUp() throws Exception {
        // no include_usage from the client: the guard asks for it and strips the usage-only chunk (strip mode,
        // where each upstream buffer is read, released and replaced by the events passed on)
        String account = account();
        List<String> received = hangUpAfter(5, "/v1/chat/completions", account, chat(200, ",\"stream\":true"));
        assertThat(received).hasSize(5);
        Await.until(() -> budget(account).output().remaining(), v -> v < 100, "charged");
        assertThat(NettyLeaks.take("MeteredResponse"))
                .as("buffers the rewritten stream dropped").isEmpty();
    }

    @Test
    void theFirstStreamedByteIsNotHeldBackUntilTheStreamEnds() {
        List<Long> direct = new ArrayList<>();
        List<Long> proxied = new ArrayList<>();
        for (int i = 0; i < 15; i++) { // interleaved, so both paths see the same machine load
            direct.add(firstByteMillis(BACKEND.baseUrl()));
            proxied.add(firstByteMillis("http://127.0.0.1:" + port));
        }
        // the first five warm up; the lower quartile is what the path typically costs
        long directTypical = lowerQuartile(direct.subList(5, direct.size()));
        long proxiedTypical = lowerQuartile(proxied.subList(5, proxied.size()));
        assertThat(directTypical).as("the backend's own first-byte delay, ms: %s", direct)
                .isGreaterThanOrEqualTo(FIRST_BYTE.toMillis());
        // A gateway that held the stream back would add its whole length (STREAMED_TOKENS at 20 ms: 2 s). The
        // overhead itself (about 2 ms) is measured by loadtest/ttfb.sh (docs/tokens.md), not here: machine load adds
        // more to the gateway's path (three hops) than to the direct one, so a tight bound here failed on a loaded
        // 2-core CI machine (69 ms against a 50 ms bound at load average 18)
        assertThat(proxiedTypical - directTypical).as("through the gateway %s vs direct %s, ms", proxied, direct)
                .isLessThan(STREAMED_TOKENS * 20L / 2);
    }

    /** Tokens of the streams whose first byte is timed: the stream lasts 2 s; the first byte ends the exchange. */
    private static final int STREAMED_TOKENS = 100;

    /** Posts a streamed request, reads its first {@code events} events and hangs up. */
    private List<String> hangUpAfter(int events, String path, String account, String body) {
        return client.post().uri(path)
                .header("x-account-id", account)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus().isOk()
                .returnResult(String.class).getResponseBody()
                .take(events)
                .collectList().block(Duration.ofSeconds(10));
    }

    private static long firstByteMillis(String baseUrl) {
        long started = System.nanoTime();
        DataBuffer first = WebClient.create(baseUrl).post().uri("/v1/messages")
                .header("x-account-id", account())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(anthropic(STREAMED_TOKENS, true))
                .retrieve().bodyToFlux(DataBuffer.class)
                .next().block(Duration.ofSeconds(10));
        long elapsed = (System.nanoTime() - started) / 1_000_000;
        DataBufferUtils.release(first);
        return elapsed;
    }

    private static long lowerQuartile(List<Long> values) {
        return values.stream().sorted().toList().get(values.size() / 4);
    }
}
