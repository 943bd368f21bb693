package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;

import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.TestRedis;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import redis.clients.jedis.Jedis;

/**
 * What sharing campaign evidence costs Redis: two replicas with the shipped policy (campaign
 * correlation on) under steady traffic, counted with {@code INFO commandstats} on a Redis the test
 * owns (so no other traffic is counted). The stream commands ({@code XADD}, {@code XREAD}) stay far
 * below one per ten requests because records are batched per {@code flush-interval}, not sent per request.
 */
class RedisCampaignSyncCostTest {

    private static final String BODY = "{\"model\":\"m\",\"max_tokens\":%d,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Please explain step by step how to solve exercise %d about arrays and show your reasoning.\"}]}";

    @Test
    void streamCommandsStayFarBelowOnePerTenRequestsUnderSteadyTraffic() throws Exception {
        TestRedis.Owned redis = TestRedis.Owned.start();
        String prefix = TestRedis.uniquePrefix("campaign-cost");
        URI uri = URI.create(redis.url());
        try (GatewayInstance a = GatewayInstance.redis(redis.url(), prefix, Map.of());
             GatewayInstance b = GatewayInstance.redis(redis.url(), prefix, Map.of());
             Jedis jedis = new Jedis(uri.getHost(), uri.getPort())) {
            WebClient[] clients = {WebClient.create("http://127.0.0.1:" + a.port()),
                    WebClient.create("http://127.0.0.1:" + b.port())};
            send(clients, 400, Duration.ofSeconds(3)); // warm-up: connections, first leases, leader elected
            jedis.configResetStat();
            long requests = send(clients, 400, Duration.ofSeconds(15));
            Map<String, Long> calls = commandStats(jedis);
            long stream = calls.getOrDefault("xadd", 0L) + calls.getOrDefault("xread", 0L);
            double shipped = count(a, "guard.campaign.sync.shipped") + count(b, "guard.campaign.sync.shipped");
            System.out.printf("[measure] campaign sync, 2 replicas, %d requests in 15 s (%.0f/s): xadd %d, xread %d = "
                            + "%.4f stream commands per request; all commands %.2f per request; %.0f records shipped "
                            + "(%.1f per request)%n", requests, requests / 15.0, calls.getOrDefault("xadd", 0L),
                    calls.getOrDefault("xread", 0L), stream / (double) requests,
                    calls.values().stream().mapToLong(Long::longValue).sum() / (double) requests, shipped,
                    shipped / Math.max(1, requests));
            assertThat(requests).isGreaterThan(1000);
            assertThat(calls.getOrDefault("xadd", 0L)).as("records were shipped").isPositive();
            // batching: at most one XADD per replica and flush interval (1 s), however many requests — for
            // the campaign stream and for the profile stream (both 1 s)
            assertThat(calls.getOrDefault("xadd", 0L)).isLessThanOrEqualTo(2 * (2 * 15 + 4));
            assertThat(stream / (double) requests).isLessThan(0.1);
        } finally {
            redis.stop();
        }
    }

    private static double count(GatewayInstance g, String name) {
        return g.bean(MeterRegistry.class).find(name).counter().count();
    }

    /** Sends {@code rate} requests per second for {@code duration}, alternating replicas and 200 accounts. */
    private static long send(WebClient[] clients, int rate, Duration duration) {
        AtomicLong answered = new AtomicLong();
        long total = rate * duration.toSeconds();
        Flux.interval(Duration.ofNanos(1_000_000_000L / rate)).take(total).onBackpressureDrop().flatMap(i ->
                clients[(int) (i % 2)].post().uri("/v1/messages").header("x-account-id", "acct-cost-" + (i % 200))
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(String.format(BODY, i % 3 == 0 ? 4000 : 64, i))
                        .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value()))
                        .doOnNext(s -> answered.incrementAndGet())
                        .onErrorResume(e -> Mono.empty()), 1024)
                .blockLast(duration.plusSeconds(30));
        return answered.get();
    }

    /** cmdstat_NAME:calls=N,... → NAME → N, without the measurement's own commands. */
    static Map<String, Long> commandStats(Jedis jedis) {
        Map<String, Long> calls = new TreeMap<>();
        for (String line : jedis.info("commandstats").split("\r?\n")) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            String name = line.substring(8, line.indexOf(':'));
            if (name.equals("info") || name.startsWith("config")) {
                continue;
            }
            String rest = line.substring(line.indexOf("calls=") + 6);
            calls.put(name, Long.parseLong(rest.substring(0, rest.indexOf(','))));
        }
        return calls;
    }
}
