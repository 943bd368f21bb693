package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;

import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.TestRedis;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The tier limit is one limit across replicas: two gateway applications under concurrent overload
 * from one account admit, over a 60-second window, no more than the limit × 1.05 (and not far below
 * it: leases must not starve the account). The policy allows 300 requests per minute; each gateway
 * is offered about eight times that.
 */
class SharedRateLimitAccuracyTest {

    private static final int LIMIT_PER_MINUTE = 300;
    private static final Duration WINDOW = Duration.ofSeconds(60);
    private static final String PREFIX = TestRedis.uniquePrefix("limits");
    private static GatewayInstance a;
    private static GatewayInstance b;

    @BeforeAll
    static void start() throws Exception {
        URL policy = SharedRateLimitAccuracyTest.class.getResource("/policies/shared-limits.yaml");
        Map<String, String> props = Map.of("guard.policy.path", Path.of(policy.toURI()).toString());
        a = GatewayInstance.redis(TestRedis.shared(), PREFIX, props);
        b = GatewayInstance.redis(TestRedis.shared(), PREFIX, props);
    }

    @AfterAll
    static void stop() {
        GatewayInstance.closeAll(TestRedis.shared(), PREFIX, a, b);
    }

    /** Admitted and refused counts of requests sent within [from, until) (by send time). */
    record Counts(AtomicLong admitted, AtomicLong refused, AtomicLong other) {
        Counts() {
            this(new AtomicLong(), new AtomicLong(), new AtomicLong());
        }
    }

    /** Sends requests from {@code users} concurrent loops while {@code more} holds, counting those sent in the window. */
    static Mono<Void> load(GatewayInstance gateway, String account, int users, long perUserPauseMs,
                           long windowStart, BooleanSupplier more, Counts counts) {
        WebClient client = WebClient.create("http://127.0.0.1:" + gateway.port());
        String body = "{\"model\":\"m\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
        return Flux.range(0, users).flatMap(user -> Mono.defer(() -> {
            long sent = System.nanoTime();
            return client.post().uri("/v1/messages")
                    .header("x-account-id", account)
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(body)
                    .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value()))
                    .doOnNext(status -> {
                        if (sent >= windowStart) {
                            (status == 200 ? counts.admitted() : status == 429 ? counts.refused() : counts.other())
                                    .incrementAndGet();
                        }
                    })
                    .then(Mono.delay(Duration.ofMillis(perUserPauseMs)));
        }).repeat(more), users).then();
    }

    @Test
    void twoReplicasUnderConcurrentOverloadAdmitNoMoreThanTheLimitOverSixtySeconds() {
        String account = "acct-hot-" + TestRedis.uniquePrefix("x");
        // Drain the bucket first (admitted requests take ~200 ms at the backend, so this takes a few seconds):
        // the window then measures what the shared bucket lets through, not its initial burst.
        Counts warm = new Counts();
        long warmDeadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        BooleanSupplier draining = () -> System.nanoTime() < warmDeadline
                && (warm.admitted().get() < LIMIT_PER_MINUTE || warm.refused().get() < 100);
        Mono.when(load(a, account, 8, 20, 0, draining, warm), load(b, account, 8, 20, 0, draining, warm))
                .block(Duration.ofSeconds(60));
        assertThat(warm.admitted().get()).as("the warm-up used the bucket's capacity").isGreaterThanOrEqualTo(LIMIT_PER_MINUTE);
        assertThat(warm.refused().get()).as("and was refused").isGreaterThanOrEqualTo(100);

        double outagesBefore = outages();
        long windowStart = System.nanoTime();
        long windowEnd = windowStart + WINDOW.toNanos();
        BooleanSupplier inWindow = () -> System.nanoTime() < windowEnd;
        Counts counts = new Counts();
        Mono.when(load(a, account, 8, 20, windowStart, inWindow, counts),
                        load(b, account, 8, 20, windowStart, inWindow, counts))
                .block(WINDOW.plusSeconds(30));

        long admitted = counts.admitted().get();
        long offered = admitted + counts.refused().get() + counts.other().get();
        System.out.printf("[measure] shared limit %d/min, two replicas, %d requests offered in %d s: %d admitted "
                + "(%.3f of the limit), %d refused, %d other%n", LIMIT_PER_MINUTE, offered, WINDOW.toSeconds(), admitted,
                admitted / (double) LIMIT_PER_MINUTE, counts.refused().get(), counts.other().get());
        for (GatewayInstance g : new GatewayInstance[] {a, b}) {
            io.micrometer.core.instrument.MeterRegistry m = g.bean(io.micrometer.core.instrument.MeterRegistry.class);
            System.out.printf("[measure]   replica: %.0f leases, %.0f provisional, %.0f returned, %.0f outages%n",
                    m.counter("guard.state.limits.leases").count(), m.counter("guard.state.limits.provisional").count(),
                    m.counter("guard.state.limits.returned").count(), m.counter("guard.state.outages").count());
        }
        double outages = outages() - outagesBefore;
        // A Redis call that times out (seen at load average 20+ on 2 cores) is an outage: fail-open then admits
        // from the replica's local bucket by design (docs/redis.md, Outage), which is not what this test measures.
        org.junit.jupiter.api.Assumptions.assumeTrue(outages == 0,
                "Redis timed out during the window (machine overloaded): the replicas failed open, as configured");
        System.out.printf("[measure]   no outage during the window%n");
        assertThat(counts.other().get()).as("only 200 and 429 answers").isZero();
        assertThat(offered).as("the load is a real overload").isGreaterThan(4L * LIMIT_PER_MINUTE);
        assertThat(admitted).isLessThanOrEqualTo((long) (LIMIT_PER_MINUTE * 1.05));
        assertThat(admitted).as("leases do not starve the account").isGreaterThanOrEqualTo((long) (LIMIT_PER_MINUTE * 0.9));
    }

    private static double outages() {
        double total = 0;
        for (GatewayInstance g : new GatewayInstance[] {a, b}) {
            total += g.bean(io.micrometer.core.instrument.MeterRegistry.class).counter("guard.state.outages").count();
        }
        return total;
    }
}
