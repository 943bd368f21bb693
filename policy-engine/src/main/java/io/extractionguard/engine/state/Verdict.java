package io.extractionguard.engine.state;

import java.time.Instant;
import java.util.List;

/**
 * A standing decision about an account that outlives the request that caused it: a block or a
 * challenge imposed by a policy band, or an operator override. Expires at {@code expiresAt}.
 *
 * @param kind      what the verdict imposes
 * @param expiresAt when it lapses
 * @param source    who imposed it: {@code band/<name>} for the policy, {@code operator/<name>} for a person
 * @param reasons   the reason ids behind it (signals for policy verdicts, {@code operator/...} otherwise)
 * @param note      free-text justification (mandatory for operator verdicts), never shown to the client
 */
public record Verdict(Kind kind, Instant expiresAt, String source, List<String> reasons, String note) {

    public enum Kind {
        /** Every request is refused with 403. */
        BLOCK,
        /** Requests are refused until the client completes a challenge step. */
        CHALLENGE,
        /** Risk-based actions are suspended (base tier limits still apply). */
        ALLOW
    }

    public Verdict {
        reasons = List.copyOf(reasons);
        note = note == null ? "" : note;
    }

    public boolean isActiveAt(Instant now) {
        return now.isBefore(expiresAt);
    }
}
