package io.extractionguard.engine.action;

/** What happens to a request; names and meanings are fixed by the trace-replay contract. */
public enum Action {
    /** Forwarded to the model backend, possibly under a tightened limit. */
    ALLOW,
    /** Forwarded; the policy would have acted but is (or the rule is) in observe-only mode. */
    SHADOW,
    /** Rejected with 429: a rate or token limit, normal or risk-tightened, was exhausted. */
    THROTTLE,
    /** Rejected until the client completes a challenge step. */
    CHALLENGE,
    /** Rejected with 403. */
    BLOCK;

    /** Whether the request reaches the model backend. */
    public boolean forwards() {
        return this == ALLOW || this == SHADOW;
    }

    /** Orders rejections by severity; ALLOW and SHADOW are the least severe. */
    public boolean moreSevereThan(Action other) {
        return ordinal() > other.ordinal();
    }
}
