package io.extractionguard.gateway.challenge;

import java.time.Clock;
import java.time.Instant;

import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;

import io.extractionguard.engine.spi.ChallengeGate;
import io.extractionguard.engine.spi.ChallengeLedger;
import io.extractionguard.engine.challenge.ProofOfWork;
import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.policy.Band;
import io.extractionguard.engine.policy.ChallengeKind;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.ProofOfWorkSettings;
import io.extractionguard.gateway.config.GuardProperties;
import io.extractionguard.gateway.state.OutageMode;
import io.extractionguard.gateway.state.StoreUnavailableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The gateway's side of challenge steps (protocol: {@code docs/challenge.md}). Issues a signed
 * proof-of-work challenge with a CHALLENGE decision, checks solutions sent back in
 * {@value #SOLUTION_HEADER}, and turns an accepted solution into a pass in the shared
 * {@link ChallengeLedger}, which the engine consumes. Verification holds are released only through
 * the admin API. With an in-process ledger this is CPU only (one HMAC, one SHA-256) and runs on the
 * event loop; a {@link RemoteChallengeLedger} (Redis) needs round trips, which the filter makes on a
 * worker thread through {@link #prepareShared}, only for the requests that need them.
 */
@Component
public class ChallengeService {

    public static final String CHALLENGE_HEADER = "x-guard-challenge";
    public static final String DIFFICULTY_HEADER = "x-guard-challenge-difficulty";
    public static final String EXPIRES_HEADER = "x-guard-challenge-expires";
    public static final String SOLUTION_HEADER = "x-guard-challenge-solution";
    public static final String VERIFICATION_HEADER = "x-guard-verification-url";

    /** What happened to a submitted solution. */
    public record Submission(ProofOfWork.Verdict verdict) {
        public boolean accepted() {
            return verdict == ProofOfWork.Verdict.ACCEPTED;
        }
    }

    private final ProofOfWork pow;
    private final ChallengeLedger ledger;
    private final RemoteChallengeLedger remote;
    private final GuardEngine engine;
    private final Clock clock;
    private final MeterRegistry meters;
    private final String verificationUrl;

    public ChallengeService(ProofOfWork pow, ChallengeLedger ledger, GuardEngine engine, Clock clock, MeterRegistry meters,
                            GuardProperties properties) {
        this.pow = pow;
        this.ledger = ledger;
        this.remote = ledger instanceof RemoteChallengeLedger r ? r : null;
        this.engine = engine;
        this.clock = clock;
        this.meters = meters;
        this.verificationUrl = properties.challenge().verificationUrl();
        counter(ChallengeKind.VERIFICATION_HOLD, "issued"); // registered at start: dashboards show 0, not no data
        counter(ChallengeKind.PROOF_OF_WORK, "issued");
        for (ProofOfWork.Verdict v : ProofOfWork.Verdict.values()) {
            counter(ChallengeKind.PROOF_OF_WORK, v.name().toLowerCase());
        }
    }

    /**
     * A request's challenge work checked on the calling thread (CPU only): the submission when it is
     * final, and what still needs the shared ledger on a worker thread ({@link #completeShared}): a
     * valid solution's nonce to redeem, a pass request to reserve.
     */
    public record Prepared(Submission submission, Redemption redemption, boolean reserve) {
        /** Whether {@link #completeShared} must run (on a worker thread) before the request is decided. */
        public boolean needsWorker() {
            return redemption != null || reserve;
        }
    }

    private static final Prepared NOTHING = new Prepared(null, null, false);

    /**
     * A valid solution whose nonce is still to be redeemed: captured from {@link ProofOfWork#verify}
     * in place of the ledger, so the round trip happens later, off the event loop, and only for
     * solutions that are otherwise valid (a client pays 2^d hashes for each).
     */
    public static final class Redemption implements ChallengeLedger {
        private String nonce;
        private Instant expiresAt;
        private ProofOfWork.Check check;

        @Override
        public boolean redeem(String nonce, Instant expiresAt) {
            this.nonce = nonce;
            this.expiresAt = expiresAt;
            return true;
        }

        @Override
        public void grantPass(String accountId, int requests, Instant expiresAt) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean consumePass(String accountId, Instant now) {
            throw new UnsupportedOperationException();
        }
    }

    /**
     * Checks a solution submitted by {@code accountId} (null: none) as far as possible on the calling
     * thread. With an in-process ledger that is all: an accepted solution becomes a pass of the band's
     * {@code pass-requests} for {@code pass-ttl}. With a shared ledger a valid solution's redemption,
     * and a pass request to reserve on this replica, are left to {@link #completeShared}. Counted by
     * outcome once final.
     */
    public Prepared prepare(String solution, String accountId) {
        if (solution == null && (remote == null || !remote.needsReservation(accountId, clock.instant()))) {
            return NOTHING; // the common case: no allocation, no clock read beyond the pass lookup
        }
        Instant now = clock.instant();
        if (remote == null) {
            return new Prepared(solution == null ? null : finish(pow.verify(solution, accountId, now, ledger), accountId, now),
                    null, false);
        }
        Submission submission = null;
        Redemption redemption = null;
        if (solution != null) {
            Redemption r = new Redemption();
            ProofOfWork.Check check = pow.verify(solution, accountId, now, r);
            if (check.verdict() == ProofOfWork.Verdict.ACCEPTED) {
                r.check = check;
                redemption = r;
            } else {
                submission = finish(check, accountId, now);
            }
        }
        return new Prepared(submission, redemption, remote.needsReservation(accountId, now));
    }

    /**
     * The shared ledger's round trips for a prepared request: redeems the valid solution's nonce
     * (granting the pass when it was not redeemed before) and reserves a request of the account's
     * pass for this replica, so the engine's decision answers from local memory. Blocking: worker
     * threads only.
     *
     * @return the final submission, or null when the request carries no solution
     * @throws StoreUnavailableException when the shared store does not answer a redemption on a
     *         {@link OutageMode#FAIL_CLOSED} route (a fail-open route redeems the nonce locally)
     */
    public Submission completeShared(Prepared prepared, String accountId, OutageMode outage) {
        Submission submission = prepared.submission();
        Redemption r = prepared.redemption();
        if (r != null) {
            boolean fresh;
            try {
                fresh = remote.redeem(r.nonce, r.expiresAt);
            } catch (StoreUnavailableException e) {
                if (outage == OutageMode.FAIL_CLOSED) {
                    throw e;
                }
                fresh = remote.outageFallback().redeem(r.nonce, r.expiresAt);
            }
            submission = finish(fresh ? r.check : new ProofOfWork.Check(ProofOfWork.Verdict.REPLAYED, 0, null),
                    accountId, clock.instant());
        }
        Instant now = clock.instant();
        if (remote.needsReservation(accountId, now)) {
            remote.reserve(accountId, now);
        }
        return submission;
    }

    /**
     * The challenge gate of a request carrying {@code solution} (null: none) on a route that answers
     * a shared-store outage with {@code outage}: {@link #prepare} on the calling thread, and
     * {@link #completeShared} as the lookup the engine's front door returns when one is needed.
     */
    public ChallengeGate gate(String solution, OutageMode outage) {
        return accountId -> {
            Prepared prepared = prepare(solution, accountId);
            return prepared == NOTHING ? ChallengeGate.Check.NONE
                    : new Checked(prepared.submission(), prepared.needsWorker() ? prepared : null, accountId, outage);
        };
    }

    /** A request's solution as checked so far; {@code pending}, when not null, still needs the shared ledger. */
    private final class Checked implements ChallengeGate.Check {
        private final Submission submission;
        private final Prepared pending;
        private final String accountId;
        private final OutageMode outage;

        Checked(Submission submission, Prepared pending, String accountId, OutageMode outage) {
            this.submission = submission;
            this.pending = pending;
            this.accountId = accountId;
            this.outage = outage;
        }

        @Override
        public boolean needsLookup() {
            return pending != null;
        }

        @Override
        public ChallengeGate.Check lookUp() {
            return pending == null ? this : new Checked(completeShared(pending, accountId, outage), null, accountId, outage);
        }

        @Override
        public boolean malformed() {
            return submission != null && submission.verdict() == ProofOfWork.Verdict.MALFORMED;
        }

        @Override
        public String refusal() {
            return submission == null || submission.accepted() ? null : rejection(submission.verdict());
        }
    }

    private static String rejection(ProofOfWork.Verdict verdict) {
        return switch (verdict) {
            case FORGED -> "its signature does not verify";
            case EXPIRED -> "the challenge has expired";
            case WRONG_ACCOUNT -> "it was issued to another account";
            case WRONG_SOLUTION -> "the counter does not meet the difficulty";
            case REPLAYED -> "it was already used";
            case ACCEPTED, MALFORMED -> verdict.name().toLowerCase();
        };
    }

    /** Grants the pass of an accepted solution and counts the outcome. */
    private Submission finish(ProofOfWork.Check check, String accountId, Instant now) {
        if (check.verdict() == ProofOfWork.Verdict.ACCEPTED) {
            ProofOfWorkSettings settings = settings(engine.policy(), null);
            ledger.grantPass(accountId, check.grants(), now.plus(settings.passTtl()));
        }
        count(ChallengeKind.PROOF_OF_WORK, check.verdict().name().toLowerCase());
        return new Submission(check.verdict());
    }

    /**
     * Adds the challenge for a CHALLENGE decision to the response headers and returns the message
     * telling the client how to proceed.
     */
    public String issue(Decision decision, HttpHeaders headers, String rejectedBecause) {
        String prefix = rejectedBecause == null ? "" : "The submitted challenge solution was rejected (" + rejectedBecause
                + "). ";
        if (decision.challenge() == ChallengeKind.VERIFICATION_HOLD) {
            count(ChallengeKind.VERIFICATION_HOLD, "issued");
            if (!verificationUrl.isEmpty()) {
                headers.set(VERIFICATION_HEADER, verificationUrl);
                return prefix + "This account is held for verification. Complete verification at " + verificationUrl
                        + " and retry.";
            }
            return prefix + "This account is held for verification. Contact support to verify the account, then retry.";
        }
        Policy policy = engine.policy();
        Band band = challengeBand(policy, decision.band());
        ProofOfWorkSettings s = settings(policy, band);
        int difficulty = ProofOfWork.difficulty(decision.score(), band == null ? 0 : band.minScore(), s.minBits(), s.maxBits());
        ProofOfWork.Challenge c = pow.issue(decision.accountId(), difficulty, clock.instant().plus(s.challengeTtl()),
                s.passRequests());
        headers.set(CHALLENGE_HEADER, c.token());
        headers.set(DIFFICULTY_HEADER, Integer.toString(c.difficulty()));
        headers.set(EXPIRES_HEADER, Long.toString(c.expiresAt().getEpochSecond()));
        count(ChallengeKind.PROOF_OF_WORK, "issued");
        return prefix + "Additional verification is required before this account can continue: solve the proof-of-work "
                + "challenge in the " + CHALLENGE_HEADER + " response header (find a counter such that SHA-256(challenge + ':' + "
                + "counter) starts with " + c.difficulty() + " zero bits) and retry with the header " + SOLUTION_HEADER
                + ": <challenge>:<counter> before " + c.expiresAt() + ".";
    }

    private static Band challengeBand(Policy policy, String name) {
        Band fallback = null;
        for (Band b : policy.bands()) {
            if (b.pow() != null) {
                if (b.name().equals(name)) {
                    return b;
                }
                fallback = fallback == null ? b : fallback;
            }
        }
        return fallback;
    }

    private static ProofOfWorkSettings settings(Policy policy, Band band) {
        Band b = band != null ? band : challengeBand(policy, null);
        return b == null || b.pow() == null ? ProofOfWorkSettings.DEFAULT : b.pow();
    }

    private void count(ChallengeKind kind, String outcome) {
        counter(kind, outcome).increment();
    }

    private Counter counter(ChallengeKind kind, String outcome) {
        return Counter.builder("guard.challenges")
                .description("Challenge steps issued, and proof-of-work solutions by outcome")
                .tag("kind", kind.id())
                .tag("outcome", outcome)
                .register(meters);
    }
}
