package io.extractionguard.engine.challenge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.memory.InMemoryChallengeLedger;
import io.extractionguard.engine.support.MutableClock;

class ProofOfWorkTest {

    static final byte[] KEY = "0123456789abcdef0123456789abcdef-pow".getBytes(StandardCharsets.UTF_8);
    private final MutableClock clock = MutableClock.at("2026-03-02T14:00:00Z");
    private final ProofOfWork pow = new ProofOfWork(KEY);
    private final InMemoryChallengeLedger ledger = new InMemoryChallengeLedger(clock);

    private ProofOfWork.Challenge issue(String account) {
        return pow.issue(account, 10, clock.instant().plus(Duration.ofMinutes(5)), 20);
    }

    private static String solve(ProofOfWork.Challenge c) {
        return ProofOfWorkSolver.solve(c.token(), Duration.ofSeconds(30), java.time.Clock.systemUTC()).orElseThrow();
    }

    @Test
    void solvedChallengeIsAcceptedOnceWithItsGrants() {
        ProofOfWork.Challenge c = issue("acct-1");
        String solution = solve(c);
        ProofOfWork.Check check = pow.verify(solution, "acct-1", clock.instant(), ledger);
        assertThat(check.verdict()).isEqualTo(ProofOfWork.Verdict.ACCEPTED);
        assertThat(check.grants()).isEqualTo(20);
        assertThat(pow.verify(solution, "acct-1", clock.instant(), ledger).verdict())
                .isEqualTo(ProofOfWork.Verdict.REPLAYED);
    }

    @Test
    void wrongCounterIsAWrongSolution() {
        ProofOfWork.Challenge c = pow.issue("acct-1", 24, clock.instant().plusSeconds(60), 5);
        // counter "x" is astronomically unlikely to give 24 zero bits
        assertThat(pow.verify(c.token() + ":x", "acct-1", clock.instant(), ledger).verdict())
                .isEqualTo(ProofOfWork.Verdict.WRONG_SOLUTION);
    }

    @Test
    void expiredChallengeIsRefusedEvenWhenSolved() {
        ProofOfWork.Challenge c = issue("acct-1");
        String solution = solve(c);
        clock.advance(Duration.ofMinutes(6));
        assertThat(pow.verify(solution, "acct-1", clock.instant(), ledger).verdict()).isEqualTo(ProofOfWork.Verdict.EXPIRED);
    }

    @Test
    void anotherAccountsSolutionIsRefused() {
        String solution = solve(issue("acct-1"));
        assertThat(pow.verify(solution, "acct-2", clock.instant(), ledger).verdict())
                .isEqualTo(ProofOfWork.Verdict.WRONG_ACCOUNT);
    }

    @Test
    void forgedOrAlteredTokensAreRefused() {
        ProofOfWork.Challenge c = issue("acct-1");
        String[] parts = c.token().split("\\.");
        // the attacker lowers the difficulty in the payload and keeps the signature
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("|10|", "|1|");
        String altered = "v1." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
        assertThat(pow.verify(altered + ":0", "acct-1", clock.instant(), ledger).verdict()).isEqualTo(ProofOfWork.Verdict.FORGED);
        // a token signed with another key
        ProofOfWork other = new ProofOfWork("another-deployment-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8));
        String foreign = solve(other.issue("acct-1", 8, clock.instant().plusSeconds(60), 5));
        assertThat(pow.verify(foreign, "acct-1", clock.instant(), ledger).verdict()).isEqualTo(ProofOfWork.Verdict.FORGED);
        assertThat(pow.verify("garbage", "acct-1", clock.instant(), ledger).verdict()).isEqualTo(ProofOfWork.Verdict.MALFORMED);
        assertThat(pow.verify("v1.!!!.???:1", "acct-1", clock.instant(), ledger).verdict())
                .isEqualTo(ProofOfWork.Verdict.MALFORMED);
    }

    @Test
    void difficultyScalesWithRiskWithinTheBand() {
        assertThat(ProofOfWork.difficulty(60, 60, 16, 22)).isEqualTo(16);
        assertThat(ProofOfWork.difficulty(80, 60, 16, 22)).isEqualTo(19);
        assertThat(ProofOfWork.difficulty(100, 60, 16, 22)).isEqualTo(22);
    }

    @Test
    void passAdmitsABoundedNumberOfRequestsUntilItExpires() {
        ledger.grantPass("acct-1", 2, clock.instant().plusSeconds(600));
        assertThat(ledger.consumePass("acct-1", clock.instant())).isTrue();
        assertThat(ledger.consumePass("acct-1", clock.instant())).isTrue();
        assertThat(ledger.consumePass("acct-1", clock.instant())).isFalse();
        ledger.grantPass("acct-2", 5, clock.instant().plusSeconds(10));
        clock.advance(Duration.ofSeconds(11));
        assertThat(ledger.consumePass("acct-2", clock.instant())).isFalse();
    }

    @Test
    void solverMeetsTheDifficultyTheTokenDemands() {
        ProofOfWork.Challenge c = pow.issue("acct-1", 16, clock.instant().plusSeconds(60), 5);
        assertThat(ProofOfWorkSolver.difficulty(c.token())).isEqualTo(16);
        String solution = solve(c);
        assertThat(solution).startsWith(c.token() + ":");
        assertThat(ProofOfWork.leadingZeroBits(ProofOfWork.sha256(solution))).isGreaterThanOrEqualTo(16);
        assertThat(pow.verify(solution, "acct-1", clock.instant(), ledger).verdict()).isEqualTo(ProofOfWork.Verdict.ACCEPTED);
    }
}
