package io.extractionguard.engine.decision;

import java.util.ArrayList;
import java.util.List;

import java.time.Instant;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.action.Mode;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.limits.LimitOutcome;
import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.limits.TokenBudget;
import io.extractionguard.engine.limits.TokenOutcome;
import io.extractionguard.engine.policy.Band;
import io.extractionguard.engine.correlation.CampaignDetector;
import io.extractionguard.engine.policy.ChallengeKind;
import io.extractionguard.engine.policy.Degrade;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.score.Contribution;
import io.extractionguard.engine.score.RiskScore;
import io.extractionguard.engine.score.Scorer;
import io.extractionguard.engine.spi.ChallengeLedger;
import io.extractionguard.engine.spi.RateLimiter;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.spi.TokenLimiter;
import io.extractionguard.engine.state.Verdict;

/**
 * Turns a scored request into its {@link Decision}: the account's {@link Standing} (lists,
 * verdict, band) in its precedence, proof-of-work passes, then the token budget and the request
 * limit, then what observe-only rules would have done. Charges the limits and puts band verdicts.
 */
final class Judge {

    private final StateStore store;
    private final RateLimiter limiter;
    private final TokenLimiter tokens;
    private final ChallengeLedger challenges;

    Judge(StateStore store, RateLimiter limiter, TokenLimiter tokens, ChallengeLedger challenges) {
        this.store = store;
        this.limiter = limiter;
        this.tokens = tokens;
        this.challenges = challenges;
    }

    /**
     * @param items the request, or a batch's items: they count as that many requests, and their bounds
     *              are reserved together
     */
    Decision decide(Policy p, ClientIdentity id, TierLimits tier, RiskScore risk, Instant now,
                    List<InferenceRequest> items) {
        int requests = items.size();
        String account = id.accountId();
        List<String> riskReasons = reasons(risk.contributions(), false);
        boolean enforcing = p.mode() == Mode.ENFORCE;

        Standing standing = Standing.of(p, id, risk.score(), () -> store.verdict(account, now));
        switch (standing.rule()) {
            case DENY_LIST -> {
                return reject(basis(p, account, risk, null), Action.BLOCK, List.of("list/deny-" + standing.denied()),
                        null, enforcing);
            }
            case BLOCK_VERDICT -> {
                return reject(basis(p, account, risk, null), Action.BLOCK, standing.verdict().reasons(), null,
                        enforcing);
            }
            default -> {
            }
        }
        boolean exempt = standing.exempt();
        Band band = standing.band();
        Decision.Basis basis = basis(p, account, risk, band == null ? null : band.name());
        Action bandAction = band == null ? Action.ALLOW : band.action();
        if (standing.rule() == Standing.Rule.REJECTING_BAND) {
            boolean enforced = enforcing && !band.shadow();
            if (enforced && band.verdictTtl() != null) {
                Verdict.Kind kind = bandAction == Action.BLOCK ? Verdict.Kind.BLOCK : Verdict.Kind.CHALLENGE;
                store.putVerdict(account, new Verdict(kind, now.plus(band.verdictTtl()), "band/" + band.name(),
                        riskReasons, ""));
            }
            if (enforced && !passedChallenge(account, bandAction, band.challenge(), now, requests)) {
                return reject(basis, bandAction, riskReasons, band.challenge(), true);
            }
        }
        // Here an enforced CHALLENGE band has been passed with a proof-of-work pass.
        boolean passed = bandAction == Action.CHALLENGE && enforcing && !band.shadow();
        if (standing.hasVerdict(Verdict.Kind.CHALLENGE)) {
            ChallengeKind kind = challengeOf(p, standing.verdict());
            // a verification hold is released by an operator only; a proof-of-work verdict takes a pass
            boolean satisfied = enforcing && kind == ChallengeKind.PROOF_OF_WORK
                    && (passed || passedChallenge(account, Action.CHALLENGE, kind, now, requests));
            if (!satisfied) {
                return reject(basis, Action.CHALLENGE, standing.verdict().reasons(), kind, enforcing);
            }
            passed = true;
        }
        if (passed) {
            riskReasons = withReason(riskReasons, GuardEngine.CHALLENGE_PASSED);
        }

        // Forwarded unless the (possibly tightened) token budget is spent or request limit exhausted;
        // a forwarded request holds a reservation of its bound until its usage is known.
        boolean tightened = band != null && bandAction == Action.THROTTLE && !band.shadow() && enforcing;
        TokenBudget budget = p.tokenBudget(tier);
        TokenOutcome tokenState = tokens.reserve(account, budget, tightened ? band.tokenFactor() : 1.0,
                estimatedInputTokens(items), outputReserve(budget, items));
        if (!tokenState.allowed() && enforcing) {
            List<String> why = tightened && band.tokenFactor() < 1.0 ? riskReasons : List.of(GuardEngine.TOKEN_BUDGET);
            return Decision.throttle(basis, Decision.Throttle.TOKEN_BUDGET, why, null, tokenState);
        }
        double factor = tightened ? band.limitFactor() : 1.0;
        if (requests > 1 && !tier.unlimited() && requests * RateLimiter.cost(factor) > capacityUnits(tier)) {
            // a batch the limit could never admit at once is refused whole, not charged
            if (enforcing && tokenState.allowed()) {
                tokenState = tokens.settle(account, tokenState, 0, 0);
            }
            List<String> why = List.of(GuardEngine.BATCH_TOO_LARGE);
            return enforcing ? Decision.throttle(basis, Decision.Throttle.BATCH_TOO_LARGE, why, null, tokenState)
                    : Decision.shadowThrottle(basis, Decision.Throttle.BATCH_TOO_LARGE, why, null, tokenState);
        }
        LimitOutcome limit = requests == 1 ? limiter.tryAcquire(account, tier, factor)
                : limiter.tryAcquire(account, tier, factor, requests);
        if (!limit.allowed()) {
            List<String> why = factor < 1.0 ? riskReasons : List.of("rate-limit");
            if (tokenState.allowed()) {
                tokenState = tokens.settle(account, tokenState, 0, 0); // not forwarded after all
            }
            return enforcing ? Decision.throttle(basis, Decision.Throttle.RATE_LIMIT, why, limit, tokenState)
                    : Decision.shadowThrottle(basis, Decision.Throttle.RATE_LIMIT, why, limit, tokenState);
        }
        if (!tokenState.allowed()) { // observe-only policy: forwarded, recorded as a would-be throttle
            return Decision.shadowThrottle(basis, Decision.Throttle.TOKEN_BUDGET, List.of(GuardEngine.TOKEN_BUDGET),
                    limit, tokenState);
        }
        return observed(p, exempt, band, passed, risk, riskReasons, basis, tier, budget, limit, tokenState);
    }

    /**
     * A forwarded request: SHADOW when an observe-only rule (a shadow band, an observe-only policy,
     * shadow signals) would have acted, else ALLOW, degraded in a DEGRADE band or after a solved
     * challenge of a band that degrades its passes.
     */
    private Decision observed(Policy p, boolean exempt, Band band, boolean passed, RiskScore risk, List<String> riskReasons,
                              Decision.Basis basis, TierLimits tier, TokenBudget budget, LimitOutcome limit,
                              TokenOutcome tokenState) {
        String account = basis.accountId();
        boolean observeOnly = band != null && (band.shadow() || p.mode() != Mode.ENFORCE);
        if (observeOnly && band.action() == Action.ALLOW && band.degrade() != null) {
            // forwarded undegraded; the reason says it would have been degraded
            return Decision.shadow(basis, Action.ALLOW, withReason(riskReasons, GuardEngine.DEGRADE_PREFIX + band.name()),
                    limit, tokenState);
        }
        if (observeOnly && band.action() != Action.THROTTLE) {
            return Decision.shadow(basis, band.action(), riskReasons, limit, tokenState);
        }
        if (observeOnly && !limiter.wouldAdmit(account, tier, band.limitFactor())) {
            return Decision.shadowThrottle(basis, Decision.Throttle.RATE_LIMIT, riskReasons, limit, tokenState);
        }
        if (observeOnly && !tokens.check(account, budget, band.tokenFactor()).allowed()) {
            return Decision.shadowThrottle(basis, Decision.Throttle.TOKEN_BUDGET, riskReasons, limit, tokenState);
        }
        if (!exempt && risk.shadowScore() > risk.score()) {
            Band shadowBand = p.bandFor(risk.shadowScore());
            if (shadowBand != null && shadowBand != band && shadowBand.action() != Action.THROTTLE
                    && shadowBand.action() != Action.ALLOW) {
                return Decision.shadow(basis, shadowBand.action(), reasons(risk.contributions(), true), limit,
                        tokenState);
            }
        }
        Band degrading = band != null && band.action() == Action.ALLOW && band.degrade() != null ? band
                : passed ? passDegrading(p, band) : null;
        if (degrading != null) {
            return Decision.degraded(basis, withReason(riskReasons, GuardEngine.DEGRADE_PREFIX + degrading.name()),
                    degrading.degrade(), limit, tokenState);
        }
        if (!exempt && reputationDegrade(risk.contributions())) {
            List<String> why = withReason(riskReasons, GuardEngine.DEGRADE_PREFIX + "reputation");
            return p.mode() == Mode.ENFORCE ? Decision.degraded(basis, why, Degrade.DEFAULT, limit, tokenState)
                    : Decision.shadow(basis, Action.ALLOW, why, limit, tokenState);
        }
        return Decision.allow(basis, riskReasons, limit, tokenState);
    }

    /** Whether an enforced {@link CampaignDetector#REPUTATION} contribution is among these (a loop: every request asks). */
    private static boolean reputationDegrade(List<Contribution> contributions) {
        for (int i = 0; i < contributions.size(); i++) {
            Contribution c = contributions.get(i);
            if (c.signal().equals(CampaignDetector.REPUTATION) && !c.shadow()) {
                return true;
            }
        }
        return false;
    }

    private static Decision.Basis basis(Policy p, String account, RiskScore risk, String band) {
        return new Decision.Basis(account, risk.score(), risk.contributions(), band, p.label());
    }

    /** BLOCK or CHALLENGE, or under an observe-only policy a SHADOW that would have been one. */
    private static Decision reject(Decision.Basis basis, Action action, List<String> reasons, ChallengeKind challenge,
                                   boolean enforcing) {
        if (!enforcing) {
            return Decision.shadow(basis, action, reasons, null, null);
        }
        return action == Action.CHALLENGE ? Decision.challenge(basis, reasons, challenge)
                : Decision.block(basis, reasons);
    }

    /** Input tokens reserved for requests: their prompt characters at four per token (reconciled with usage). */
    static long estimatedInputTokens(List<InferenceRequest> items) {
        long tokens = 0;
        for (InferenceRequest item : items) {
            tokens += (item.promptChars() + 3) / 4;
        }
        return tokens;
    }

    /** Output tokens reserved for requests: each one's {@code max_tokens}, or the tier's default. */
    static long outputReserve(TokenBudget budget, List<InferenceRequest> items) {
        long tokens = 0;
        for (InferenceRequest item : items) {
            tokens += budget.outputReserve(item.maxOutputTokens());
        }
        return tokens;
    }

    /** Token units the tightest window of a tier holds when full. */
    private static long capacityUnits(TierLimits tier) {
        long perMinute = tier.requestsPerMinute() > 0 ? tier.requestsPerMinute() : Long.MAX_VALUE / RateLimiter.UNITS_PER_REQUEST;
        long perDay = tier.requestsPerDay() > 0 ? tier.requestsPerDay() : Long.MAX_VALUE / RateLimiter.UNITS_PER_REQUEST;
        return Math.min(perMinute, perDay) * RateLimiter.UNITS_PER_REQUEST;
    }

    /**
     * Whether a CHALLENGE can be satisfied by a proof-of-work pass, taking {@code requests} requests from it (a
     * batch's items count as single requests would, all or none).
     */
    private boolean passedChallenge(String account, Action action, ChallengeKind kind, Instant now, int requests) {
        return action == Action.CHALLENGE && kind == ChallengeKind.PROOF_OF_WORK
                && (requests == 1 ? challenges.consumePass(account, now) : challenges.consumePasses(account, now, requests));
    }

    private static List<String> withReason(List<String> reasons, String reason) {
        List<String> out = new ArrayList<>(reasons.size() + 1);
        out.addAll(reasons.size() >= GuardEngine.MAX_REASONS ? reasons.subList(0, GuardEngine.MAX_REASONS - 1) : reasons);
        out.add(reason);
        return out;
    }

    /**
     * The band whose degrade applies to a request let through by a solved challenge: the CHALLENGE band
     * it was in when that band degrades its passes, else the first one that does (a standing verdict's
     * pass); null when solved challenges restore full reasoning.
     */
    private static Band passDegrading(Policy p, Band band) {
        if (band != null && band.action() == Action.CHALLENGE && band.degrade() != null) {
            return band;
        }
        for (Band b : p.bands()) {
            if (b.action() == Action.CHALLENGE && b.degrade() != null) {
                return b;
            }
        }
        return null;
    }

    private static ChallengeKind challengeOf(Policy p, Verdict verdict) {
        if (verdict.source().startsWith("band/")) {
            String name = verdict.source().substring(5);
            for (Band b : p.bands()) {
                if (b.name().equals(name) && b.challenge() != null) {
                    return b.challenge();
                }
            }
        }
        return ChallengeKind.PROOF_OF_WORK;
    }

    /** The ids of the largest contributions (enforced ones, or all when {@code includeShadow}). */
    static List<String> reasons(List<Contribution> contributions, boolean includeShadow) {
        List<String> ids = new ArrayList<>(GuardEngine.MAX_REASONS);
        for (Contribution c : contributions) {
            if (ids.size() == GuardEngine.MAX_REASONS) {
                break;
            }
            if ((includeShadow || !c.shadow()) && c.points() >= Scorer.REASON_THRESHOLD) {
                ids.add(c.signal());
            }
        }
        return ids;
    }
}
