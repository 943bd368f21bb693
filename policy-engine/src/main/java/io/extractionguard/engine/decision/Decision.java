package io.extractionguard.engine.decision;

import java.util.List;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.limits.LimitOutcome;
import io.extractionguard.engine.limits.TokenOutcome;
import io.extractionguard.engine.policy.ChallengeKind;
import io.extractionguard.engine.policy.Degrade;
import io.extractionguard.engine.score.Contribution;

/**
 * The outcome for one request. Everything here is for operators (logs, metrics, audit, admin
 * API); the client sees only the action's effect, never the score or the reasons.
 *
 * @param accountId      the resolved account
 * @param action         what happened to the request
 * @param score          enforced risk score in [0, 100]
 * @param reasons        stable reason ids, most important first
 * @param contributions  every signal that fired, with its points
 * @param band           the score band the request fell in, null below every band
 * @param wouldBe        for SHADOW: the action that would have been taken; otherwise null
 * @param challenge      for CHALLENGE: which step the client must complete; otherwise null
 * @param limit          the rate-limit state after this request, null when no limit was consulted
 * @param policyVersion  {@code version (hash)} of the policy that decided
 * @param tokens         the account's token budgets when the request was decided (their usage is
 *                       charged against them afterwards, see {@link GuardEngine#recordUsage(Decision, long, long)});
 *                       null when they were not consulted (rejected before the limits)
 * @param degrade        for an ALLOW in a DEGRADE band: what the gateway withholds (request rewrite,
 *                       reasoning removed from the response); null otherwise
 */
public record Decision(
        String accountId,
        Action action,
        double score,
        List<String> reasons,
        List<Contribution> contributions,
        String band,
        Action wouldBe,
        ChallengeKind challenge,
        LimitOutcome limit,
        String policyVersion,
        TokenOutcome tokens,
        Degrade degrade) {

    public Decision {
        reasons = List.copyOf(reasons);
        contributions = List.copyOf(contributions);
    }

    /** A decision that degrades nothing. */
    public Decision(String accountId, Action action, double score, List<String> reasons,
                    List<Contribution> contributions, String band, Action wouldBe, ChallengeKind challenge,
                    LimitOutcome limit, String policyVersion, TokenOutcome tokens) {
        this(accountId, action, score, reasons, contributions, band, wouldBe, challenge, limit, policyVersion, tokens,
                null);
    }

    /** A decision for which no token budget was consulted. */
    public Decision(String accountId, Action action, double score, List<String> reasons,
                    List<Contribution> contributions, String band, Action wouldBe, ChallengeKind challenge,
                    LimitOutcome limit, String policyVersion) {
        this(accountId, action, score, reasons, contributions, band, wouldBe, challenge, limit, policyVersion, null);
    }

    /** For THROTTLE: seconds until the exhausted request limit or token budget admits a request again (≥ 1). */
    public long retryAfterSeconds() {
        long requests = limit == null ? 0 : limit.retryAfterSeconds();
        long spent = tokens == null ? 0 : tokens.retryAfterSeconds();
        long retry = Math.max(requests, spent);
        return retry > 0 ? retry : 60;
    }
}
