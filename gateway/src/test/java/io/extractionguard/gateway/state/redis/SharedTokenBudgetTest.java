package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;

import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.TestRedis;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Two gateway applications (two replicas) on one Redis, one account's output budget (2 000 tokens a
 * day, {@code policies/shared-budget.yaml}) and many streamed requests in flight on both at once:
 * the output tokens served stay within the budget × 1.05 plus one maximum response per replica.
 */
class SharedTokenBudgetTest {

    static final String PREFIX = TestRedis.uniquePrefix("shared-budget");
    static final long BUDGET = 2_000;
    static final int MAX_TOKENS = 64; // the test backend's response: 64 tokens, one every 25 ms
    static final int IN_FLIGHT_PER_REPLICA = 40;
    static final Duration LOAD = Duration.ofSeconds(8);

    private static GatewayInstance a;
    private static GatewayInstance b;

    @BeforeAll
    static void start() {
        Map<String, String> settings = Map.of("guard.policy.path", "src/test/resources/policies/shared-budget.yaml",
                "guard.audit.enabled", "false");
        a = GatewayInstance.redis(TestRedis.shared(), PREFIX, settings);
        b = GatewayInstance.redis(TestRedis.shared(), PREFIX, settings);
    }

    @AfterAll
    static void stop() {
        GatewayInstance.closeAll(TestRedis.shared(), PREFIX, a, b);
    }

    static double outputServed(GatewayInstance g) {
        return g.bean(MeterRegistry.class).find("guard.tokens").tag("direction", "output").counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    /**
     * Keeps {@code IN_FLIGHT_PER_REPLICA} streamed requests in flight on one replica for {@code LOAD}:
     * each worker reads its stream to the end and sends the next, or waits 50 ms after a 429 (a
     * harvester retrying). Counts the 200s.
     */
    static Mono<Long> load(GatewayInstance g, String account, AtomicInteger refused) {
        WebClient client = WebClient.create("http://127.0.0.1:" + g.port());
        String body = "{\"model\":\"claude-test\",\"max_tokens\":" + MAX_TOKENS + ",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story about budgets.\"}]}";
        long until = System.nanoTime() + LOAD.toNanos();
        Mono<Integer> one = client.post().uri("/v1/messages").header("x-account-id", account)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchangeToMono(r -> r.bodyToMono(String.class).defaultIfEmpty("").map(text -> r.statusCode().value()))
                .flatMap(status -> status == 429
                        ? Mono.delay(Duration.ofMillis(50)).doOnNext(t -> refused.incrementAndGet()).thenReturn(status)
                        : Mono.just(status));
        return Flux.range(0, IN_FLIGHT_PER_REPLICA)
                .flatMap(worker -> one.repeat(() -> System.nanoTime() < until).filter(status -> status == 200).count())
                .reduce(0L, Long::sum);
    }

    private static long sum(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void outputTokensServedByTwoReplicasStayWithinTheSharedBudget() {
        String account = "acct-" + UUID.randomUUID();
        double before = outputServed(a) + outputServed(b);
        AtomicInteger refused = new AtomicInteger();
        List<Long> served = Flux.merge(load(a, account, refused), load(b, account, refused)).collectList()
                .block(Duration.ofSeconds(120));
        await().atMost(Duration.ofSeconds(5)).until(() -> outputServed(a) + outputServed(b) - before >= 64L * sum(served));
        double tokens = outputServed(a) + outputServed(b) - before;
        long bound = (long) (BUDGET * 1.05) + 2L * MAX_TOKENS;
        System.out.printf("shared budget: %d output tokens served (budget %d, bound %d), 200s per replica %s, 429s %d%n",
                (long) tokens, BUDGET, bound, served, refused.get());
        assertThat(tokens).as("output tokens served by both replicas").isLessThanOrEqualTo(bound);
        assertThat(tokens).as("the budget is used, not refused outright").isGreaterThanOrEqualTo(BUDGET * 0.8);
    }
}
