package io.extractionguard.engine.decision;

import java.util.Optional;
import java.util.function.Supplier;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.policy.Band;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.state.Verdict;

/**
 * Where a request's account stands before challenge passes and limits: the policy's lists, the
 * account's standing verdict and the score's band, and which of them rules. The one precedence
 * that {@link Judge#decide deciding} and {@link GuardEngine#explain explaining} follow.
 *
 * @param denied  the deny-list entry naming the account, or null
 * @param allowed the allow-list entry naming the account, or null (not looked up when denied)
 * @param verdict the account's standing verdict, or null (not looked up when listed)
 * @param band    the band of the score, or null (below every band, or exempt)
 */
record Standing(String denied, String allowed, Verdict verdict, Band band) {

    /** The rules in precedence order: the first that applies gives the action. */
    enum Rule {
        /** The policy's deny list names the account: BLOCK. */
        DENY_LIST,
        /** An operator's or band's BLOCK verdict: BLOCK. */
        BLOCK_VERDICT,
        /** The allow list or an ALLOW verdict: no band applies. */
        EXEMPT,
        /** A CHALLENGE or BLOCK band (unless observe-only, or a proof-of-work pass satisfies it). */
        REJECTING_BAND,
        /** A CHALLENGE verdict (unless a proof-of-work pass satisfies it). */
        CHALLENGE_VERDICT,
        /** The band's action, or ALLOW below every band; limits apply. */
        BAND
    }

    /**
     * Looks the account up in the policy's lists and, unless listed, its verdict (read only then,
     * so a listed account costs no store read).
     */
    static Standing of(Policy p, ClientIdentity id, double score, Supplier<Optional<Verdict>> verdicts) {
        String denied = p.deny().match(id);
        if (denied != null) {
            return new Standing(denied, null, null, null);
        }
        String allowed = p.allow().match(id);
        Verdict verdict = allowed != null ? null : verdicts.get().orElse(null);
        boolean exempt = allowed != null || verdict != null && verdict.kind() == Verdict.Kind.ALLOW;
        boolean blocked = verdict != null && verdict.kind() == Verdict.Kind.BLOCK;
        return new Standing(null, allowed, verdict, exempt || blocked ? null : p.bandFor(score));
    }

    boolean exempt() {
        return allowed != null || hasVerdict(Verdict.Kind.ALLOW);
    }

    boolean hasVerdict(Verdict.Kind kind) {
        return verdict != null && verdict.kind() == kind;
    }

    Rule rule() {
        if (denied != null) {
            return Rule.DENY_LIST;
        }
        if (hasVerdict(Verdict.Kind.BLOCK)) {
            return Rule.BLOCK_VERDICT;
        }
        if (exempt()) {
            return Rule.EXEMPT;
        }
        if (band != null && (band.action() == Action.CHALLENGE || band.action() == Action.BLOCK)) {
            return Rule.REJECTING_BAND;
        }
        return hasVerdict(Verdict.Kind.CHALLENGE) ? Rule.CHALLENGE_VERDICT : Rule.BAND;
    }

    /** The action the ruling rule gives, before challenge passes, limits and the policy's mode. */
    Action action() {
        return switch (rule()) {
            case DENY_LIST, BLOCK_VERDICT -> Action.BLOCK;
            case EXEMPT -> Action.ALLOW;
            case REJECTING_BAND, BAND -> band == null ? Action.ALLOW : band.action();
            case CHALLENGE_VERDICT -> Action.CHALLENGE;
        };
    }
}
