package io.extractionguard.gateway.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.extractionguard.demo.DemoBackend;
import io.extractionguard.demo.DemoBackendSettings;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.state.redis.RedisState;
import io.extractionguard.gateway.state.redis.RedisStateStore;
import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.TestBackend;
import io.extractionguard.gateway.support.TestRedis;

/**
 * The CI fault suite, part 1: one gateway under mixed load (its own {@code redis-server}, AOF on) through
 * Redis down at start-up, Redis SIGKILLed and restarted, Redis paused (SIGSTOP), the model backend down
 * and slow, and a corrupted policy. After each, what clients saw, what operators saw (health, metrics)
 * and whether the evidence converged ({@link ConvergenceCheck}: per account, nothing lost). Phases run in
 * order on one gateway (one start-up for all), each with accounts of its own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisFaultsUnderLoadTest {

    private static final int ACCOUNTS = 120;
    private static RedisProcess redis;
    private static DemoBackend slowBackend;
    private static GatewayInstance gateway;
    private static Path dir;
    private static Path audit;
    private static Path policy;
    private static final String PREFIX = TestRedis.uniquePrefix("faults");
    private static final String ADMIN = "fault-suite-admin-token-0123456789";

    static Map<String, String> redisSettings() {
        Map<String, String> s = FaultSupport.redisSettings(PREFIX);
        s.put("guard.state.redis.address", redis.url());
        return s;
    }

    @BeforeAll
    static void start() throws Exception {
        redis = RedisProcess.on(); // not started: the first phase starts the gateway without it
        slowBackend = DemoBackend.start(DemoBackendSettings.DEFAULT.withFirstByteDelay(Duration.ofSeconds(3)));
        dir = Files.createTempDirectory("eg-faults-");
        audit = dir.resolve("audit.jsonl");
        policy = FaultSupport.policy(dir);
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        String r = "spring.cloud.gateway.server.webflux.routes";
        Map<String, String> p = new LinkedHashMap<>(redisSettings());
        p.remove("guard.state.redis.address");
        p.remove("guard.state.redis.key-prefix");
        // the faulty backends are picked by a header (the path stays /v1/...: the guard refuses paths it does not know)
        p.put(r + "[0].id", "model-down");
        p.put(r + "[0].uri", "http://127.0.0.1:" + dead);
        p.put(r + "[0].predicates[0]", "Path=/v1/**");
        p.put(r + "[0].predicates[1]", "Header=x-fault, down");
        p.put(r + "[0].filters[0]", "ExtractionGuard");
        p.put(r + "[1].id", "model-slow");
        p.put(r + "[1].uri", slowBackend.baseUrl());
        p.put(r + "[1].predicates[0]", "Path=/v1/**");
        p.put(r + "[1].predicates[1]", "Header=x-fault, slow");
        p.put(r + "[1].filters[0]", "ExtractionGuard");
        p.put(r + "[1].metadata.response-timeout", "1500"); // ms; the slow backend answers after 3 s
        p.put(r + "[2].id", "model-api");
        p.put(r + "[2].uri", TestBackend.get().baseUrl());
        p.put(r + "[2].predicates[0]", "Path=/v1/**");
        p.put(r + "[2].filters[0]", "ExtractionGuard");
        p.put("guard.audit.path", audit.toString());
        p.put("guard.audit.decision-sample-rate", "1.0");
        p.put("guard.policy.path", policy.toString());
        p.put("guard.policy.poll-interval", "500ms");
        p.put("guard.admin.token", ADMIN);
        gateway = GatewayInstance.redis(redis.url(), PREFIX, p);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (slowBackend != null) {
            slowBackend.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static int mport() {
        return gateway.managementPort();
    }

    private static String v1() {
        return "http://127.0.0.1:" + gateway.port() + "/v1/messages";
    }

    /**
     * Waits until the gateway has written everything: profile changes shipped and durable in the hashes
     * (nothing unwritten: within one durable-interval), campaign records shipped.
     */
    private static void settled() {
        RedisStateStore store = gateway.bean(RedisState.class).store();
        await().atMost(Duration.ofSeconds(30)).until(() -> FaultSupport.health(mport()).contains("\"status\":\"UP\"")
                && FaultSupport.metric(mport(), "guard_campaign_sync_pending") == 0 && store.unwritten() == 0);
    }

    /** Each phase starts with Redis up and the gateway UP (phases also run alone: -Dtest=…#phase). */
    private static void redisUp() {
        if (!redis.running()) {
            redis.start();
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> FaultSupport.health(mport()).contains("\"status\":\"UP\""));
    }

    private static long campaignShipped() {
        return (long) FaultSupport.metric(mport(), "guard_campaign_sync_shipped_total");
    }

    private static String operators(String... extra) {
        return String.format("outages %.0f, served locally %.0f, buffer overflow %.0f, writes dropped %.0f%s",
                FaultSupport.metric(mport(), "guard_state_outages_total"),
                FaultSupport.metric(mport(), "guard_state_outage_requests_total", "outcome=\"served-locally\""),
                FaultSupport.metric(mport(), "guard_state_buffer_overflow_total"),
                FaultSupport.metric(mport(), "guard_state_writes_dropped_total"), String.join("", extra));
    }

    @Test
    @Order(1)
    void redisDownAtStartUp() throws Exception {
        assertThat(FaultSupport.health(mport())).contains("\"status\":\"DEGRADED\"").contains("Redis unreachable");
        LoadDriver load = new LoadDriver("down-at-start-" + System.nanoTime(), ACCOUNTS);
        load.run(Duration.ofSeconds(4), 4, t -> v1(), 1);
        double servedLocally = FaultSupport.metric(mport(), "guard_state_outage_requests_total", "outcome=\"served-locally\"");
        assertThat(servedLocally).as("requests served while Redis was down").isGreaterThan(0);
        redis.start();
        await().atMost(Duration.ofSeconds(15)).until(() -> FaultSupport.health(mport()).contains("\"status\":\"UP\""));
        load.run(Duration.ofSeconds(3), 4, t -> v1(), 1);
        FaultSupport.onlyDocumentedErrors(load);
        assertThat(load.socketErrors.get()).isZero();
        settled();
        FaultSupport.converged("redis-down-at-startup", load.report(), operators(", health DEGRADED then UP"),
                redisSettings(), load.ledger(new Ledger().audit(load::mine, audit)),
                Map.of(), campaignShipped(), true, ConvergenceCheck.Bounds.none(load.refillSeconds()));
    }

    @Test
    @Order(2)
    void redisKilledAndRestartedUnderLoad() throws Exception {
        redisUp();
        double outagesBefore = FaultSupport.metric(mport(), "guard_state_outages_total");
        LoadDriver load = new LoadDriver("killed-" + System.nanoTime(), ACCOUNTS);
        Thread traffic = load.start(Duration.ofSeconds(10), 4, t -> v1(), 1);
        FaultSupport.sleep(2000);
        redis.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> FaultSupport.health(mport()).contains("\"status\":\"DEGRADED\""));
        String blocked = load.account(ACCOUNTS + 1);
        Verdict block = new Verdict(Verdict.Kind.BLOCK, Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS),
                "operator/faults", List.of("operator/faults"), "set during the outage");
        gateway.bean(StateStore.class).putVerdict(blocked, block);
        FaultSupport.sleep(2500);
        redis.start();
        traffic.join();
        FaultSupport.onlyDocumentedErrors(load);
        assertThat(load.socketErrors.get()).isZero();
        assertThat(FaultSupport.metric(mport(), "guard_state_outages_total")).isGreaterThan(outagesBefore);
        settled();
        FaultSupport.converged("redis-killed-under-load", load.report(), operators(", health DEGRADED then UP"),
                redisSettings(), load.ledger(new Ledger().audit(load::mine, audit)),
                Map.of(blocked, Verdict.Kind.BLOCK), campaignShipped(), true, ConvergenceCheck.Bounds.none(load.refillSeconds()));
    }

    @Test
    @Order(3)
    void redisPausedUnderLoad() throws Exception {
        redisUp();
        LoadDriver load = new LoadDriver("paused-" + System.nanoTime(), ACCOUNTS);
        Thread traffic = load.start(Duration.ofSeconds(8), 4, t -> v1(), 1);
        FaultSupport.sleep(2000);
        redis.signal("STOP");
        FaultSupport.sleep(3000);
        redis.signal("CONT");
        traffic.join();
        FaultSupport.onlyDocumentedErrors(load);
        assertThat(load.socketErrors.get()).isZero();
        settled();
        FaultSupport.converged("redis-paused (SIGSTOP 3 s)", load.report(), operators(), redisSettings(),
                load.ledger(new Ledger().audit(load::mine, audit)),
                Map.of(), campaignShipped(), true, ConvergenceCheck.Bounds.none(load.refillSeconds()));
    }

    @Test
    @Order(4)
    void modelBackendDownAndSlow() throws Exception {
        redisUp();
        LoadDriver load = new LoadDriver("backend-" + System.nanoTime(), ACCOUNTS).faultHeader(0, "down").faultHeader(1, "slow");
        load.run(Duration.ofSeconds(4), 4, t -> v1(), 2);
        FaultSupport.onlyDocumentedErrors(load, 502, 504);
        assertThat(load.statuses()).containsKeys(502, 504);
        assertThat(FaultSupport.health(mport())).as("the model's outage is not the guard's").contains("\"status\":\"UP\"");
        settled();
        FaultSupport.converged("backend-down and backend-slow", load.report(), "health UP", redisSettings(),
                load.ledger(new Ledger().audit(load::mine, audit)),
                Map.of(), campaignShipped(), true, ConvergenceCheck.Bounds.none(load.refillSeconds()));
    }

    @Test
    @Order(5)
    void policyCorruptedWhileRunning() throws Exception {
        redisUp();
        String original = Files.readString(policy);
        LoadDriver load = new LoadDriver("policy-" + System.nanoTime(), ACCOUNTS);
        Thread traffic = load.start(Duration.ofSeconds(6), 4, t -> v1(), 1);
        FaultSupport.sleep(1000);
        Files.writeString(policy, "version: \"broken\"\ntiers: [this is: not {valid\n");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> FaultSupport.metric(mport(), "guard_policy_reloads_total", "rejected") >= 1);
        Files.writeString(policy, original.replaceFirst("(?m)^version: .*$", "version: \"faults-2\""));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> FaultSupport.metric(mport(), "guard_policy_active", "faults-2") == 1);
        traffic.join();
        FaultSupport.onlyDocumentedErrors(load);
        assertThat(load.socketErrors.get()).isZero();
        settled();
        FaultSupport.converged("policy-corrupted-while-running", load.report(),
                "guard_policy_reloads_total{rejected} ≥ 1, then faults-2 active", redisSettings(),
                load.ledger(new Ledger().audit(load::mine, audit)),
                Map.of(), campaignShipped(), true, ConvergenceCheck.Bounds.none(load.refillSeconds()));
    }

    /**
     * Redis dies as new accounts arrive and the load ends before it returns: the requests admitted ahead of
     * their first lease (whose answer never came) and those admitted offline must both be charged to the
     * shared buckets once Redis is back, with no further traffic to carry the debt.
     */
    @Test
    @Order(6)
    void redisKilledAsNewAccountsArriveAndTrafficEndsBeforeItReturns() throws Exception {
        redisUp();
        LoadDriver load = new LoadDriver("arrive-" + System.nanoTime(), ACCOUNTS);
        redis.kill();
        load.run(Duration.ofSeconds(3), 8, t -> v1(), 1);
        redis.start();
        FaultSupport.onlyDocumentedErrors(load);
        assertThat(load.socketErrors.get()).isZero();
        settled();
        FaultSupport.converged("redis-killed-as-accounts-arrive", load.report(), operators(), redisSettings(),
                load.ledger(new Ledger().audit(load::mine, audit)), Map.of(), campaignShipped(), true,
                ConvergenceCheck.Bounds.none(load.refillSeconds()));
    }
}
