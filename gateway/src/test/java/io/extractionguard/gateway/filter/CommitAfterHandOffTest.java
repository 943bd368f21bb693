package io.extractionguard.gateway.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.ClaimedHistory;
import io.extractionguard.engine.request.ParseResult;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.spi.HistoryLedger;
import io.extractionguard.gateway.support.Await;
import io.extractionguard.gateway.support.TestBackend;
import reactor.core.publisher.Mono;

/**
 * A forwarded request's {@link io.extractionguard.engine.decision.Commit} (here: its user turns recorded in the
 * claimed-history ledger) runs after the request is handed on to the rest of the route, and is not lost when the
 * upstream fails or the client hangs up; and a parallel burst of one account is still throttled and rejected.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
@Import(CommitAfterHandOffTest.Probes.class)
class CommitAfterHandOffTest {

    /** What happened, in order: {@code handoff:<x-test-id>} and {@code commit:<user-turn state>}. */
    static final List<String> EVENTS = Collections.synchronizedList(new ArrayList<>());

    @TestConfiguration
    static class Probes {
        /** Records each commit of the ledger the engine writes to. */
        @Bean
        static BeanPostProcessor recordingHistory() {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String name) {
                    if (!(bean instanceof HistoryLedger ledger)) {
                        return bean;
                    }
                    return new HistoryLedger() {
                        @Override
                        public long verified(long accountHash, ClaimedHistory claimed, long atMillis) {
                            return ledger.verified(accountHash, claimed, atMillis);
                        }

                        @Override
                        public void record(long accountHash, ClaimedHistory claimed, long atMillis) {
                            EVENTS.add("commit:" + claimed.state());
                            ledger.record(accountHash, claimed, atMillis);
                        }
                    };
                }
            };
        }

        /** The rest of the route, after the guard: notes the hand-off, then fails or never answers when asked to. */
        @Bean
        @Order(Ordered.HIGHEST_PRECEDENCE + 200)
        GlobalFilter handOffProbe() {
            return (exchange, chain) -> Mono.defer(() -> {
                String id = exchange.getRequest().getHeaders().getFirst("x-test-id");
                if (id != null) {
                    EVENTS.add("handoff:" + id);
                }
                String upstream = String.valueOf(exchange.getRequest().getHeaders().getFirst("x-test-upstream"));
                return switch (upstream) {
                    case "fail" -> Mono.error(new IllegalStateException("upstream failed"));
                    case "hang" -> Mono.never();
                    default -> chain.filter(exchange);
                };
            });
        }
    }

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
    }

    @Autowired
    WebTestClient client;

    /** A two-turn conversation unique to this call, and the user-turn state the ledger records for it. */
    private record Conversation(String body, String state) {
        static Conversation fresh() {
            String first = "How do I keep basil alive indoors? (" + UUID.randomUUID() + ")";
            String body = "{\"model\":\"claude-test\",\"max_tokens\":16,\"messages\":["
                    + "{\"role\":\"user\",\"content\":\"" + first + "\"},"
                    + "{\"role\":\"assistant\",\"content\":\"Sun and little water.\"},"
                    + "{\"role\":\"user\",\"content\":\"How much sun?\"}]}";
            ClaimedHistory claimed = ((ParseResult.Parsed) new RequestParser().parse(ApiFormat.ANTHROPIC_MESSAGES,
                    body.getBytes(StandardCharsets.UTF_8))).request().claimed();
            return new Conversation(body, "commit:" + claimed.state());
        }
    }

    private WebTestClient.RequestHeadersSpec<?> post(WebTestClient client, String id, String upstream, String body) {
        return client.post().uri("/v1/messages")
                .header("x-account-id", "acct-" + id)
                .header("x-test-id", id)
                .header("x-test-upstream", upstream)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body);
    }

    @Test
    void aForwardedRequestCommitsAfterItIsHandedOnAndBeforeItsAnswer() {
        String id = UUID.randomUUID().toString();
        Conversation c = Conversation.fresh();

        String answer = post(client, id, "pass", c.body()).exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();

        assertThat(answer).contains("\"type\":\"message\"");
        assertThat(EVENTS).contains("handoff:" + id, c.state());
        assertThat(EVENTS.indexOf("handoff:" + id)).as("handed on first: %s", EVENTS).isLessThan(EVENTS.indexOf(c.state()));
    }

    @Test
    void aCommitIsNotLostWhenTheUpstreamFails() throws InterruptedException {
        String id = UUID.randomUUID().toString();
        Conversation c = Conversation.fresh();

        EntityExchangeResult<String> failed = post(client, id, "fail", c.body()).exchange()
                .expectStatus().is5xxServerError().expectBody(String.class).returnResult();

        assertThat(failed.getResponseBody()).isNotNull();
        // the failure can be answered before the bookkeeping that follows the hand-off runs (same task, a moment
        // later): not lost, so wait for it as for the hung request
        Await.until(() -> EVENTS.contains(c.state()) ? 1 : 0, v -> v == 1, "the failed request's commit");
        assertThat(EVENTS).containsSubsequence("handoff:" + id, c.state());
    }

    @Test
    void aCommitIsNotLostWhenTheClientHangsUp() throws InterruptedException {
        String id = UUID.randomUUID().toString();
        Conversation c = Conversation.fresh();
        WebTestClient impatient = client.mutate().responseTimeout(Duration.ofMillis(500)).build();

        assertThatThrownBy(() -> post(impatient, id, "hang", c.body()).exchange()).hasMessageContaining("Timeout");

        Await.until(() -> EVENTS.contains(c.state()) ? 1 : 0, v -> v == 1, "the hung request's commit");
        assertThat(EVENTS).containsSubsequence("handoff:" + id, c.state());
    }

    @Test
    void aParallelBurstOfOneAccountIsThrottledAtItsLimit() throws Exception {
        String id = UUID.randomUUID().toString(); // default tier: 10 requests a minute
        List<Integer> statuses = burst(id, 30, i -> "{\"model\":\"claude-test\",\"max_tokens\":8,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"question " + i + "\"}]}");

        assertThat(statuses).filteredOn(s -> s == 200).as("%s", statuses).hasSize(10);
        assertThat(statuses).filteredOn(s -> s == HttpStatus.TOO_MANY_REQUESTS.value()).hasSize(20);
    }

    @Test
    void aParallelHarvestingBurstOfOneAccountIsRejectedAsASequentialOneIs() throws Exception {
        String id = UUID.randomUUID().toString();
        List<Integer> statuses = burst(id, 30, i -> "{\"model\":\"claude-test\",\"max_tokens\":16000,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"You are an expert software engineer. Implement the following python "
                + "function and show your full reasoning step by step, including every intermediate step. Task " + i
                + ": write a function that returns the " + (i * 7 % 13) + "th element of an algorithm sequence.\"}]}");

        assertThat(statuses).filteredOn(s -> s == 200).as("forwarded before the rejections: %s", statuses)
                .hasSizeLessThan(10);
        assertThat(statuses).as("challenged or blocked").contains(403);
    }

    private List<Integer> burst(String id, int n, java.util.function.IntFunction<String> body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String b = body.apply(i);
                futures.add(pool.submit(() -> {
                    EntityExchangeResult<String> r = post(client, id, "pass", b).exchange().expectBody(String.class)
                            .returnResult();
                    assertThat(r.getResponseBody()).isNotNull();
                    return r.getStatus().value();
                }));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : futures) {
                statuses.add(f.get());
            }
            return statuses;
        } finally {
            pool.shutdownNow();
        }
    }
}
