package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.engine.challenge.ProofOfWorkSolver;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.challenge.ChallengeService;
import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.TestRedis;

/**
 * Operator features across two replicas sharing one Redis: admin overrides issued on one replica
 * are enforced on the other within a second; a proof-of-work solution is accepted once in the
 * fleet; a pass granted on one replica is honoured on the other and admits the granted number of
 * requests in total, not per replica.
 */
class SharedOperatorActionsTest {

    private static final String PREFIX = TestRedis.uniquePrefix("shared-ops");
    private static final String TOKEN = "test-admin-token-shared-ops";
    private static final Map<String, String> PROPS = Map.of(
            "guard.policy.path", "src/test/resources/policies/challenge-test.yaml",
            "guard.challenge.hmac-key", "test-challenge-key-0123456789abcdef0123456789",
            "guard.admin.token", TOKEN);
    private static GatewayInstance a;
    private static GatewayInstance b;

    @BeforeAll
    static void start() {
        a = GatewayInstance.redis(TestRedis.shared(), PREFIX, PROPS);
        b = GatewayInstance.redis(TestRedis.shared(), PREFIX, PROPS);
    }

    @AfterAll
    static void stop() {
        GatewayInstance.closeAll(TestRedis.shared(), PREFIX, a, b);
    }

    private static EntityExchangeResult<byte[]> send(GatewayInstance g, String account, String solution) {
        WebTestClient.RequestBodySpec spec = g.client().post().uri("/v1/messages")
                .header("x-account-id", account)
                .contentType(MediaType.APPLICATION_JSON);
        if (solution != null) {
            spec = spec.header(ChallengeService.SOLUTION_HEADER, solution);
        }
        return spec.bodyValue("{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")
                .exchange().expectBody().returnResult();
    }

    private static int status(GatewayInstance g, String account) {
        return send(g, account, null).getStatus().value();
    }

    private static void admin(GatewayInstance g, String path, String body) {
        g.management().post().uri(path).header("Authorization", "Bearer " + TOKEN).header("x-guard-operator", "alice")
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange().expectStatus().isOk().expectBody();
    }

    private static long millisUntil(StateStore store, String account, java.util.function.Predicate<Optional<Verdict>> seen) {
        long started = System.nanoTime();
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(2)).pollDelay(Duration.ZERO)
                .until(() -> seen.test(store.verdict(account, Instant.now())));
        return (System.nanoTime() - started) / 1_000_000;
    }

    private static String challenged() {
        String account = "acct-" + UUID.randomUUID();
        a.bean(StateStore.class).putVerdict(account, new Verdict(Verdict.Kind.CHALLENGE, Instant.now().plusSeconds(600),
                "band/challenge", List.of("cot-elicitation"), "test"));
        await().atMost(Duration.ofSeconds(1)).until(() -> b.bean(StateStore.class).verdict(account, Instant.now()).isPresent());
        return account;
    }

    private static String solve(EntityExchangeResult<byte[]> challenge) {
        assertThat(challenge.getStatus().value()).isEqualTo(403);
        String token = challenge.getResponseHeaders().getFirst(ChallengeService.CHALLENGE_HEADER);
        assertThat(token).as("a proof-of-work challenge").startsWith("v1.");
        return ProofOfWorkSolver.solve(token, Duration.ofSeconds(20), java.time.Clock.systemUTC()).orElseThrow();
    }

    @Test
    void blockReleaseAndAllowIssuedOnOneReplicaAreEnforcedOnTheOtherWithinASecond() {
        StateStore onB = b.bean(StateStore.class);
        String account = "acct-" + UUID.randomUUID();
        assertThat(status(b, account)).isEqualTo(200);

        admin(a, "/admin/accounts/" + account + "/block", "{\"ttl\":\"1h\",\"reason\":\"ticket 1: campaign\"}");
        long blocked = millisUntil(onB, account, v -> v.isPresent() && v.get().kind() == Verdict.Kind.BLOCK);
        assertThat(status(b, account)).as("blocked on B").isEqualTo(403);

        admin(a, "/admin/accounts/" + account + "/release", "{\"reason\":\"ticket 2: false positive\"}");
        long released = millisUntil(onB, account, Optional::isEmpty);
        assertThat(status(b, account)).as("released on B").isEqualTo(200);

        String held = challenged();
        assertThat(status(b, held)).isEqualTo(403);
        admin(a, "/admin/accounts/" + held + "/allow", "{\"ttl\":\"30m\",\"reason\":\"eval partner\"}");
        long allowed = millisUntil(onB, held, v -> v.isPresent() && v.get().kind() == Verdict.Kind.ALLOW);
        assertThat(status(b, held)).as("allowed on B").isEqualTo(200);
        System.out.printf("[measure] admin override A->B: block %d ms, release %d ms, allow %d ms%n", blocked, released,
                allowed);
    }

    @Test
    void aSolutionRedeemedOnOneReplicaIsRejectedAsReplayedOnTheOther() {
        String account = challenged();
        String solution = solve(send(a, account, null));
        assertThat(send(a, account, solution).getStatus().value()).as("accepted on A").isEqualTo(200);
        int drained = 0;
        while (status(a, account) == 200) {
            assertThat(++drained).as("the pass runs out").isLessThan(5);
        }
        // B never saw this solution: only the shared ledger knows it was redeemed
        EntityExchangeResult<byte[]> replay = send(b, account, solution);
        assertThat(replay.getStatus().value()).isEqualTo(403);
        assertThat(new String(replay.getResponseBody(), StandardCharsets.UTF_8)).contains("it was already used");
    }

    @Test
    void aPassGrantedOnOneReplicaIsHonouredOnTheOtherAndBoundedInTotal() {
        String account = challenged();
        RedisChallengeLedger ledgerB = b.bean(RedisChallengeLedger.class);
        assertThat(send(a, account, solve(send(a, account, null))).getStatus().value()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).until(() -> ledgerB.needsReservation(account, Instant.now()));

        List<Integer> onB = new ArrayList<>();
        List<Integer> onA = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            onB.add(status(b, account));
            onA.add(status(a, account));
        }
        long admitted = 1 + onA.stream().filter(s -> s == 200).count() + onB.stream().filter(s -> s == 200).count();
        assertThat(onB).as("B honours A's pass").contains(200);
        assertThat(admitted).as("pass-requests: 3 in the whole fleet (A %s, B %s)", onA, onB).isEqualTo(3);
    }

    @Test
    void concurrentRequestsOnBothReplicasNeverExceedThePass() throws Exception {
        String account = challenged();
        assertThat(send(a, account, solve(send(a, account, null))).getStatus().value()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(1))
                .until(() -> b.bean(RedisChallengeLedger.class).needsReservation(account, Instant.now()));
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<CompletableFuture<Integer>> all = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                GatewayInstance g = i % 2 == 0 ? a : b;
                all.add(CompletableFuture.supplyAsync(() -> status(g, account), pool));
            }
            long admitted = 1;
            for (CompletableFuture<Integer> f : all) {
                admitted += f.get() == 200 ? 1 : 0;
            }
            assertThat(admitted).as("granted 3 requests, admitted across both replicas").isLessThanOrEqualTo(3);
        } finally {
            pool.shutdownNow();
        }
    }
}
