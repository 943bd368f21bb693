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
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import redis.clients.jedis.Jedis;

/**
 * What sharing campaign evidence costs Redis: two replicas with the shipped policy (campaign
 * correlation on) under steady traffic, counted with {@code INFO commandstats} on a Redis the test
 * owns (so no other traffic is counted). Campaign evidence is one script call per key a batch merges
 * (an account, an indicator value, a template bucket) and at most one per key and flush interval, so
 * per request it is bounded by the keys one request touches: 1 account + the indicator kinds + the
 * template bands.
 */
class RedisCampaignSyncCostTest {

    private static final String BODY = "{\"model\":\"m\",\"max_tokens\":%d,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Please explain step by step how to solve exercise %d about arrays and show your reasoning.\"}]}";

    @Test
    void campaignScriptCallsPerRequestAreBoundedByTheKeysARequestTouches() throws Exception {
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
            long scripts = calls.getOrDefault("evalsha", 0L) + calls.getOrDefault("eval", 0L);
            long campaign = calls.getOrDefault("xadd", 0L); // one XADD per account entry, inside the account script
            System.out.printf("[measure] campaign sync, 2 replicas, %d requests in 15 s (%.0f/s): all commands %.2f per "
                            + "request (commands run inside scripts included), script calls %.2f, account entries (xadd) %.2f, "
                            + "hset %.2f, hgetall %.2f per request%n", requests, requests / 15.0,
                    calls.values().stream().mapToLong(Long::longValue).sum() / (double) requests, scripts / (double) requests,
                    campaign / (double) requests, calls.getOrDefault("hset", 0L) / (double) requests,
                    calls.getOrDefault("hgetall", 0L) / (double) requests);
            assertThat(requests).isGreaterThan(1000);
            assertThat(campaign).as("account entries were written").isPositive();
            // at most one entry per account and flush interval per replica, however many requests
            assertThat(campaign).isLessThanOrEqualTo(requests);
            assertThat(scripts / (double) requests).as("script calls per request, bounded by the keys a request touches")
                    .isLessThanOrEqualTo(1 + io.extractionguard.engine.campaign.IndicatorKind.count()
                            + io.extractionguard.engine.campaign.Indicators.BANDS + 2);
        } finally {
            redis.stop();
        }
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
