package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.engine.state.VerdictCodec;
import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.TestBackend;
import io.extractionguard.gateway.support.TestRedis;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A gateway whose Redis goes away and comes back: the default route keeps serving (fail-open), the
 * route configured {@code redis-outage: fail-closed} answers 503 in the API's error format, health
 * reports DEGRADED, and what changed meanwhile is in Redis once it returns.
 */
class RedisOutageGatewayTest {

    private static final String BODY = "{\"model\":\"m\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private final TestRedis.Owned redis = TestRedis.Owned.start();
    private final String prefix = TestRedis.uniquePrefix("outage-gw");
    private GatewayInstance gateway;
    private GatewayInstance second;

    @AfterEach
    void cleanUp() {
        if (gateway != null) {
            gateway.close();
        }
        if (second != null) {
            second.close();
        }
        redis.stop();
    }

    static Map<String, String> routes() {
        String r = "spring.cloud.gateway.server.webflux.routes";
        String backend = TestBackend.get().baseUrl();
        Map<String, String> p = new LinkedHashMap<>();
        p.put(r + "[0].id", "model-api");
        p.put(r + "[0].uri", backend);
        p.put(r + "[0].predicates[0]", "Path=/v1/**");
        p.put(r + "[0].filters[0]", "ExtractionGuard");
        p.put(r + "[1].id", "strict");
        p.put(r + "[1].uri", backend);
        p.put(r + "[1].predicates[0]", "Path=/strict/**");
        p.put(r + "[1].filters[0].name", "ExtractionGuard");
        p.put(r + "[1].filters[0].args.redis-outage", "fail-closed");
        p.put(r + "[1].filters[1]", "StripPrefix=1");
        p.put("guard.state.redis.sync.heartbeat", "200ms");
        p.put("guard.state.redis.sync.durable-interval", "500ms"); // so the hash, not only the stream, is checked soon
        p.put("guard.state.redis.timeout", "500ms");
        p.put("guard.state.redis.connect-timeout", "500ms");
        return p;
    }

    static WebTestClient.ResponseSpec post(GatewayInstance g, String path, String account) {
        return g.client().post().uri(path).header("x-account-id", account)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(BODY).exchange();
    }

    static String health(GatewayInstance g) {
        return g.management().get().uri("/actuator/health").exchange()
                .expectStatus().isOk()
                .returnResult(String.class).getResponseBody().blockFirst();
    }

    @Test
    void failOpenRoutesKeepServingFailClosedRoutesRefuseAndChangesMadeMeanwhileReachRedis() {
        gateway = GatewayInstance.redis(redis.url(), prefix, routes());
        post(gateway, "/v1/messages", "acct-steady").expectStatus().isOk().expectBody();
        post(gateway, "/strict/v1/messages", "acct-steady").expectStatus().isOk().expectBody();
        assertThat(health(gateway)).contains("\"status\":\"UP\"");

        redis.stop();
        await().atMost(Duration.ofSeconds(5)).until(() -> health(gateway).contains("\"status\":\"DEGRADED\""));

        for (int i = 0; i < 3; i++) {
            post(gateway, "/v1/messages", "acct-steady").expectStatus().isOk().expectBody();
        }
        post(gateway, "/strict/v1/messages", "acct-steady")
                .expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
                .expectHeader().valueEquals("retry-after", "1")
                .expectBody().jsonPath("$.type").isEqualTo("error")
                .jsonPath("$.error.type").isEqualTo("api_error");
        gateway.client().post().uri("/strict/v1/chat/completions").header("x-account-id", "acct-steady")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange()
                .expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
                .expectBody().jsonPath("$.error.code").isEqualTo("guard_unavailable");
        Verdict block = new Verdict(Verdict.Kind.BLOCK, Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS),
                "operator/test", List.of("operator/test"), "blocked during the outage");
        gateway.bean(StateStore.class).putVerdict("acct-blocked", block);
        post(gateway, "/v1/messages", "acct-blocked").expectStatus().isForbidden().expectBody();

        MeterRegistry meters = gateway.bean(MeterRegistry.class);
        assertThat(meters.get("guard.state.outage.requests").tag("mode", "fail-closed").tag("outcome", "refused")
                .counter().count()).isEqualTo(2);
        assertThat(meters.get("guard.state.outage.requests").tag("mode", "fail-open").counter().count()).isEqualTo(4);

        redis.startAgain();
        await().atMost(Duration.ofSeconds(10)).until(() -> health(gateway).contains("\"status\":\"UP\""));
        post(gateway, "/strict/v1/messages", "acct-steady").expectStatus().isOk().expectBody();

        RedissonClient inspector = TestRedis.client(redis.url());
        try {
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                byte[] stored = inspector.<String, byte[]>getMap(prefix + ":verdicts",
                        new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE)).get("acct-blocked");
                assertThat(stored).isNotNull();
                assertThat(VerdictCodec.decode(stored)).isEqualTo(block);
                assertThat(StoredProfiles.storedByGateway(inspector, prefix, "acct-steady").totalRequests())
                        .as("2 requests before, 3 during (the 2 refused ones are not evaluated), 1 after").isEqualTo(6);
            });
        } finally {
            inspector.shutdown();
        }
        second = GatewayInstance.redis(redis.url(), prefix, routes());
        post(second, "/v1/messages", "acct-blocked").expectStatus().isForbidden().expectBody();
    }
}
