package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import io.extractionguard.engine.challenge.ProofOfWorkSolver;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.challenge.ChallengeService;
import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.TestRedis;

/**
 * Proof-of-work while the shared ledger's Redis is down: a fail-open route redeems the solution in
 * the replica's local ledger (still once) and honours the pass there; a fail-closed route refuses.
 */
class RedisChallengeOutageGatewayTest {

    private final TestRedis.Owned redis = TestRedis.Owned.start();
    private GatewayInstance gateway;

    @AfterEach
    void cleanUp() {
        if (gateway != null) {
            gateway.close();
        }
        redis.stop();
    }

    private EntityExchangeResult<byte[]> send(String path, String account, String solution) {
        var spec = gateway.client().post().uri(path).header("x-account-id", account).contentType(MediaType.APPLICATION_JSON);
        if (solution != null) {
            spec = spec.header(ChallengeService.SOLUTION_HEADER, solution);
        }
        return spec.bodyValue("{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange().expectBody().returnResult();
    }

    @Test
    void duringAnOutageFailOpenRedeemsLocallyOnceAndFailClosedRefuses() throws Exception {
        Map<String, String> props = new java.util.LinkedHashMap<>(RedisOutageGatewayTest.routes());
        // the challenge test policy with a challenge-ttl that survives a loaded machine
        Path policy = Files.createTempFile("challenge-outage", ".yaml");
        Files.writeString(policy, Files.readString(Path.of("src/test/resources/policies/challenge-test.yaml"))
                .replace("challenge-ttl: 2s", "challenge-ttl: 60s"));
        props.put("guard.policy.path", policy.toString());
        props.put("guard.challenge.hmac-key", "test-challenge-key-0123456789abcdef0123456789");
        gateway = GatewayInstance.redis(redis.url(), TestRedis.uniquePrefix("pow-outage"), props);
        String account = "acct-pow-outage";
        gateway.bean(StateStore.class).putVerdict(account, new Verdict(Verdict.Kind.CHALLENGE,
                Instant.now().plusSeconds(600), "band/challenge", List.of("cot-elicitation"), "test"));
        redis.stop();
        RedisAvailability availability = gateway.bean(RedisAvailability.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> !availability.available());

        EntityExchangeResult<byte[]> challenge = send("/v1/messages", account, null);
        assertThat(challenge.getStatus().value()).isEqualTo(403);
        String solution = ProofOfWorkSolver.solve(challenge.getResponseHeaders().getFirst(ChallengeService.CHALLENGE_HEADER),
                Duration.ofSeconds(20), java.time.Clock.systemUTC()).orElseThrow();

        assertThat(send("/strict/v1/messages", account, solution).getStatus().value()).as("fail-closed").isEqualTo(503);
        EntityExchangeResult<byte[]> solved = send("/v1/messages", account, solution);
        assertThat(solved.getStatus().value()).as("fail-open: redeemed locally; %s",
                new String(solved.getResponseBody(), StandardCharsets.UTF_8)).isEqualTo(200);
        int passed = 0;
        while (send("/v1/messages", account, null).getStatus().value() == 200) {
            assertThat(++passed).as("the pass is bounded").isLessThan(5);
        }
        assertThat(passed).as("pass-requests 3, one used by the solving request").isEqualTo(2);
        EntityExchangeResult<byte[]> replay = send("/v1/messages", account, solution);
        assertThat(replay.getStatus().value()).isEqualTo(403);
        assertThat(new String(replay.getResponseBody(), StandardCharsets.UTF_8)).contains("it was already used");
    }
}
