package io.extractionguard.engine.policy;

import java.time.Duration;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.action.Mode;

/**
 * A score band: from {@code minScore} up to the next band, requests get {@code action}.
 *
 * @param name        stable name, used in reasons and metrics as {@code band/<name>}
 * @param minScore    lowest score in the band
 * @param action      THROTTLE, CHALLENGE or BLOCK; ALLOW for a DEGRADE band
 * @param limitFactor for THROTTLE: share of the tier's limits still admitted (0 &lt; f ≤ 1); 1 otherwise
 * @param challenge   for CHALLENGE: which step; null otherwise
 * @param verdictTtl  for CHALLENGE and BLOCK: how long the account stays challenged / blocked after
 *                    entering the band, null for "only while the score is in the band"
 * @param mode        SHADOW records the band's action without applying it
 * @param tokenFactor for THROTTLE: share of the tier's token budgets still admitted (defaults to
 *                    {@code limitFactor}); 1 otherwise
 * @param pow         for proof-of-work CHALLENGE bands: difficulty and pass settings; null otherwise
 * @param degrade     for DEGRADE bands (action ALLOW: answered, reasoning withheld): what is withheld; null otherwise
 */
public record Band(String name, double minScore, Action action, double limitFactor, ChallengeKind challenge,
                   Duration verdictTtl, Mode mode, double tokenFactor, ProofOfWorkSettings pow, Degrade degrade) {

    /** A band that does not degrade. */
    public Band(String name, double minScore, Action action, double limitFactor, ChallengeKind challenge,
                Duration verdictTtl, Mode mode, double tokenFactor, ProofOfWorkSettings pow) {
        this(name, minScore, action, limitFactor, challenge, verdictTtl, mode, tokenFactor, pow, null);
    }

    /** A DEGRADE band: requests in it are forwarded (ALLOW) with {@code degrade} applied. */
    public static Band degrade(String name, double minScore, Mode mode, Degrade degrade) {
        return new Band(name, minScore, Action.ALLOW, 1.0, null, null, mode, 1.0, null, degrade);
    }

    /** A band whose token budgets are tightened like its request limits. */
    public Band(String name, double minScore, Action action, double limitFactor, ChallengeKind challenge,
                Duration verdictTtl, Mode mode) {
        this(name, minScore, action, limitFactor, challenge, verdictTtl, mode, limitFactor);
    }

    /** A band with the default proof-of-work settings when it challenges with proof of work. */
    public Band(String name, double minScore, Action action, double limitFactor, ChallengeKind challenge,
                Duration verdictTtl, Mode mode, double tokenFactor) {
        this(name, minScore, action, limitFactor, challenge, verdictTtl, mode, tokenFactor,
                challenge == ChallengeKind.PROOF_OF_WORK ? ProofOfWorkSettings.DEFAULT : null);
    }

    public boolean shadow() {
        return mode == Mode.SHADOW;
    }
}
