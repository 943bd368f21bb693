package io.extractionguard.engine.decision;

import java.util.List;
import java.util.Objects;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.limits.LimitOutcome;
import io.extractionguard.engine.limits.TokenOutcome;
import io.extractionguard.engine.policy.ChallengeKind;
import io.extractionguard.engine.policy.Degrade;
import io.extractionguard.engine.score.Contribution;

/**
 * The outcome for one request. Everything here is for operators (logs, metrics, audit, admin
 * API); the client sees only the action's effect, never the score or the reasons. Built by the
 * named factories, one per kind of outcome, each taking only what that outcome has.
 */
public final class Decision {

    /** Why a request was throttled (or, for a SHADOW, would have been). */
    public enum Throttle {
        /** A request limit, normal or risk-tightened, is exhausted. */
        RATE_LIMIT,
        /** A token budget, normal or risk-tightened, is spent. */
        TOKEN_BUDGET,
        /** A batch larger than the account's limit admits at once: refused whole, not charged. */
        BATCH_TOO_LARGE
    }

    /**
     * What every decision of a scored request carries.
     *
     * @param accountId     the resolved account
     * @param score         enforced risk score in [0, 100]
     * @param contributions every signal that fired, with its points
     * @param band          the score band the request fell in, null below every band
     * @param policyVersion {@code version (hash)} of the policy that decided
     */
    public record Basis(String accountId, double score, List<Contribution> contributions, String band,
                        String policyVersion) {
        public Basis {
            contributions = List.copyOf(contributions);
        }
    }

    private final Basis basis;
    private final Action action;
    private final List<String> reasons;
    private final Action wouldBe;
    private final Throttle throttle;
    private final ChallengeKind challenge;
    private final LimitOutcome limit;
    private final TokenOutcome tokens;
    private final Degrade degrade;

    private Decision(Basis basis, Action action, List<String> reasons, Action wouldBe, Throttle throttle,
                     ChallengeKind challenge, LimitOutcome limit, TokenOutcome tokens, Degrade degrade) {
        this.basis = basis;
        this.action = action;
        this.reasons = List.copyOf(reasons);
        this.wouldBe = wouldBe;
        this.throttle = throttle;
        this.challenge = challenge;
        this.limit = limit;
        this.tokens = tokens;
        this.degrade = degrade;
    }

    /** Forwarded. */
    public static Decision allow(Basis basis, List<String> reasons, LimitOutcome limit, TokenOutcome tokens) {
        return new Decision(basis, Action.ALLOW, reasons, null, null, null, limit, tokens, null);
    }

    /** Forwarded with the answer's reasoning withheld (a DEGRADE band). */
    public static Decision degraded(Basis basis, List<String> reasons, Degrade degrade, LimitOutcome limit,
                                    TokenOutcome tokens) {
        return new Decision(basis, Action.ALLOW, reasons, null, null, null, limit, tokens, degrade);
    }

    /** Forwarded, recording what an observe-only rule would have done ({@code wouldBe}, not THROTTLE). */
    public static Decision shadow(Basis basis, Action wouldBe, List<String> reasons, LimitOutcome limit,
                                  TokenOutcome tokens) {
        return new Decision(basis, Action.SHADOW, reasons, wouldBe, null, null, limit, tokens, null);
    }

    /** Forwarded, recording that an observe-only policy would have throttled it, and why. */
    public static Decision shadowThrottle(Basis basis, Throttle cause, List<String> reasons, LimitOutcome limit,
                                          TokenOutcome tokens) {
        return new Decision(basis, Action.SHADOW, reasons, Action.THROTTLE, cause, null, limit, tokens, null);
    }

    /** Rejected with 429. */
    public static Decision throttle(Basis basis, Throttle cause, List<String> reasons, LimitOutcome limit,
                                    TokenOutcome tokens) {
        return new Decision(basis, Action.THROTTLE, reasons, null, cause, null, limit, tokens, null);
    }

    /** Rejected until the client completes {@code step}. */
    public static Decision challenge(Basis basis, List<String> reasons, ChallengeKind step) {
        return new Decision(basis, Action.CHALLENGE, reasons, null, null, step, null, null, null);
    }

    /** Rejected with 403. */
    public static Decision block(Basis basis, List<String> reasons) {
        return new Decision(basis, Action.BLOCK, reasons, null, null, null, null, null, null);
    }

    /** The resolved account. */
    public String accountId() {
        return basis.accountId();
    }

    /** What happened to the request. */
    public Action action() {
        return action;
    }

    /** Enforced risk score in [0, 100]. */
    public double score() {
        return basis.score();
    }

    /** Stable reason ids, most important first. */
    public List<String> reasons() {
        return reasons;
    }

    /** Every signal that fired, with its points. */
    public List<Contribution> contributions() {
        return basis.contributions();
    }

    /** The score band the request fell in, null below every band. */
    public String band() {
        return basis.band();
    }

    /** For SHADOW: the action that would have been taken; otherwise null. */
    public Action wouldBe() {
        return wouldBe;
    }

    /** For THROTTLE (or a SHADOW that would have throttled): why; otherwise null. */
    public Throttle throttle() {
        return throttle;
    }

    /** For CHALLENGE: which step the client must complete; otherwise null. */
    public ChallengeKind challenge() {
        return challenge;
    }

    /** The rate-limit state after this request, null when no limit was consulted. */
    public LimitOutcome limit() {
        return limit;
    }

    /** {@code version (hash)} of the policy that decided. */
    public String policyVersion() {
        return basis.policyVersion();
    }

    /**
     * The account's token budgets when the request was decided (its usage is charged against them
     * afterwards, see {@link GuardEngine#recordUsage(Decision, long, long)}); null when they were not
     * consulted (rejected before the limits).
     */
    public TokenOutcome tokens() {
        return tokens;
    }

    /**
     * For an ALLOW in a DEGRADE band: what the gateway withholds (request rewrite, reasoning removed
     * from the response); null otherwise.
     */
    public Degrade degrade() {
        return degrade;
    }

    /** For THROTTLE: seconds until the exhausted request limit or token budget admits a request again (≥ 1). */
    public long retryAfterSeconds() {
        long requests = limit == null ? 0 : limit.retryAfterSeconds();
        long spent = tokens == null ? 0 : tokens.retryAfterSeconds();
        long retry = Math.max(requests, spent);
        return retry > 0 ? retry : 60;
    }

    /** Equal when every field is: decisions are values (a replay run twice gives equal ones). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Decision d && basis.equals(d.basis) && action == d.action && reasons.equals(d.reasons)
                && wouldBe == d.wouldBe && throttle == d.throttle && challenge == d.challenge
                && Objects.equals(limit, d.limit) && Objects.equals(tokens, d.tokens) && Objects.equals(degrade, d.degrade);
    }

    @Override
    public int hashCode() {
        return Objects.hash(basis, action, reasons, wouldBe, throttle, challenge, limit, tokens, degrade);
    }

    @Override
    public String toString() {
        return "Decision[" + accountId() + " " + action + (wouldBe == null ? "" : " would be " + wouldBe)
                + (throttle == null ? "" : " " + throttle) + " score=" + score() + " reasons=" + reasons + "]";
    }
}
