package io.extractionguard.gateway.challenge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.engine.challenge.ProofOfWorkSolver;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.support.TestBackend;

/** The proof-of-work protocol end to end, through the filter, with the official wire format. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "guard.policy.path=src/test/resources/policies/challenge-test.yaml",
        "guard.challenge.hmac-key=test-challenge-key-0123456789abcdef0123456789",
        "guard.challenge.verification-url=https://verify.example.test/start"})
@AutoConfigureWebTestClient(timeout = "30s")
class ProofOfWorkChallengeTest {

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
    }

    @Autowired
    WebTestClient client;

    @Autowired
    StateStore store;

    private String challengedAccount(String source) {
        String account = "acct-" + UUID.randomUUID();
        store.putVerdict(account, new Verdict(Verdict.Kind.CHALLENGE, Instant.now().plusSeconds(600), source,
                List.of("cot-elicitation"), "test"));
        return account;
    }

    private EntityExchangeResult<byte[]> send(String account, String solution) {
        WebTestClient.RequestBodySpec spec = client.post().uri("/v1/messages")
                .header("x-account-id", account)
                .contentType(MediaType.APPLICATION_JSON);
        if (solution != null) {
            spec = spec.header(ChallengeService.SOLUTION_HEADER, solution);
        }
        return spec.bodyValue("{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")
                .exchange().expectBody().returnResult();
    }

    private static String token(EntityExchangeResult<byte[]> challenged) {
        assertThat(challenged.getStatus().value()).isEqualTo(403);
        String token = challenged.getResponseHeaders().getFirst(ChallengeService.CHALLENGE_HEADER);
        assertThat(token).startsWith("v1.");
        return token;
    }

    private static String body(EntityExchangeResult<byte[]> r) {
        return new String(r.getResponseBody(), StandardCharsets.UTF_8);
    }

    /**
     * A counter that certainly misses: its hash starts with a one bit. A fixed string would meet the test
     * policy's 8 bits for one token in 256 (CI saw it: a "wrong" solution answered 200).
     */
    private static String wrongCounter(String token) throws java.security.NoSuchAlgorithmException {
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        for (int i = 0; ; i++) {
            String counter = "not-a-solution-" + i;
            if ((sha.digest((token + ":" + counter).getBytes(StandardCharsets.UTF_8))[0] & 0x80) != 0) {
                return counter;
            }
        }
    }

    private static String solve(String token) {
        return ProofOfWorkSolver.solve(token, Duration.ofSeconds(20), java.time.Clock.systemUTC()).orElseThrow();
    }

    @Test
    void solvedChallengeLetsTheGrantedRequestsThroughThenChallengesAgain() {
        String account = challengedAccount("band/challenge");
        EntityExchangeResult<byte[]> first = send(account, null);
        String token = token(first);
        assertThat(first.getResponseHeaders().getFirst(ChallengeService.DIFFICULTY_HEADER)).matches("\\d+");
        assertThat(body(first)).contains("\"type\":\"permission_error\"", "x-guard-challenge-solution");

        assertThat(send(account, solve(token)).getStatus().value()).isEqualTo(200);
        assertThat(send(account, null).getStatus().value()).isEqualTo(200);
        assertThat(send(account, null).getStatus().value()).isEqualTo(200);
        assertThat(send(account, null).getStatus().value()).as("3 requests granted").isEqualTo(403);
        assertThat(TestBackend.get().lastRequest().orElseThrow().headers())
                .doesNotContainKey(ChallengeService.SOLUTION_HEADER);
    }

    @Test
    void aSolvedChallengeIsAnsweredWithoutTheReasoningItWasChallengedFor() {
        String account = challengedAccount("band/challenge");
        String thinking = "{\"model\":\"m\",\"max_tokens\":8000,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":6000},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
        String token = token(send(account, null));
        EntityExchangeResult<byte[]> passed = client.post().uri("/v1/messages")
                .header("x-account-id", account)
                .header(ChallengeService.SOLUTION_HEADER, solve(token))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(thinking)
                .exchange().expectBody().returnResult();
        assertThat(passed.getStatus().value()).isEqualTo(200);
        assertThat(new String(TestBackend.get().lastRequest().orElseThrow().body(), StandardCharsets.UTF_8))
                .contains("\"thinking\":{\"type\":\"disabled\"}");
        assertThat(body(passed)).doesNotContain("\"type\":\"thinking\"").doesNotContain("chain of thought")
                .contains("\"type\":\"text\"");
    }

    @Test
    void wrongSolutionIsRejectedWithANewChallenge() throws Exception {
        String account = challengedAccount("band/challenge");
        String token = token(send(account, null));
        EntityExchangeResult<byte[]> r = send(account, token + ":" + wrongCounter(token));
        assertThat(token(r)).isNotEqualTo(token);
        assertThat(body(r)).contains("the counter does not meet the difficulty");
    }

    @Test
    void expiredChallengeIsRejectedEvenWhenSolved() throws Exception {
        String account = challengedAccount("band/challenge");
        String solution = solve(token(send(account, null)));
        Thread.sleep(2_100); // challenge-ttl: 2s in the test policy
        EntityExchangeResult<byte[]> r = send(account, solution);
        assertThat(r.getStatus().value()).isEqualTo(403);
        assertThat(body(r)).contains("the challenge has expired");
    }

    @Test
    void replayedSolutionIsRejected() {
        String account = challengedAccount("band/challenge");
        String solution = solve(token(send(account, null)));
        for (int i = 0; i < 3; i++) {
            assertThat(send(account, i == 0 ? solution : null).getStatus().value()).isEqualTo(200);
        }
        EntityExchangeResult<byte[]> replay = send(account, solution);
        assertThat(replay.getStatus().value()).isEqualTo(403);
        assertThat(body(replay)).contains("it was already used");
    }

    @Test
    void anotherAccountsSolutionIsRejected() {
        String owner = challengedAccount("band/challenge");
        String thief = challengedAccount("band/challenge");
        String solution = solve(token(send(owner, null)));
        EntityExchangeResult<byte[]> r = send(thief, solution);
        assertThat(r.getStatus().value()).isEqualTo(403);
        assertThat(body(r)).contains("it was issued to another account");
        assertThat(send(owner, solution).getStatus().value()).as("still valid for its owner").isEqualTo(200);
    }

    @Test
    void forgedChallengeIsRejectedAndMalformedSolutionIsABadRequest() {
        String account = challengedAccount("band/challenge");
        String token = token(send(account, null));
        String[] parts = token.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replaceFirst("\\|\\d+\\|(\\d+)\\|", "|1|$1|"); // lower the difficulty, keep the signature
        String forged = "v1." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
        EntityExchangeResult<byte[]> r = send(account, solve(forged));
        assertThat(r.getStatus().value()).isEqualTo(403);
        assertThat(body(r)).contains("its signature does not verify");

        EntityExchangeResult<byte[]> malformed = send(account, "garbage");
        assertThat(malformed.getStatus().value()).isEqualTo(400);
        assertThat(body(malformed)).contains("x-guard-challenge-solution: must be <challenge>:<counter>");
    }

    @Test
    void verificationHoldSendsTheClientToVerifyAndIsNotReleasedByAProofOfWork() {
        String held = challengedAccount("band/hold");
        EntityExchangeResult<byte[]> r = send(held, null);
        assertThat(r.getStatus().value()).isEqualTo(403);
        assertThat(r.getResponseHeaders().getFirst(ChallengeService.VERIFICATION_HEADER))
                .isEqualTo("https://verify.example.test/start");
        assertThat(r.getResponseHeaders().getFirst(ChallengeService.CHALLENGE_HEADER)).isNull();
        assertThat(body(r)).contains("held for verification", "https://verify.example.test/start");

        // a valid solution for this very account is accepted, yet the hold stays: only an operator releases it
        String account = challengedAccount("band/challenge");
        String solution = solve(token(send(account, null)));
        store.putVerdict(account, new Verdict(Verdict.Kind.CHALLENGE, Instant.now().plusSeconds(600), "band/hold",
                List.of(), "held"));
        EntityExchangeResult<byte[]> stillHeld = send(account, solution);
        assertThat(stillHeld.getStatus().value()).isEqualTo(403);
        assertThat(body(stillHeld)).contains("held for verification").doesNotContain("rejected");
    }
}
