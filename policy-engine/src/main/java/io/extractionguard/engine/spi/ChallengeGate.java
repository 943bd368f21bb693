package io.extractionguard.engine.spi;

/**
 * The client's answer to a challenge step, checked before a request is decided: the gateway reads
 * the solution a request carries and checks it (CPU only), and finishes what needs the shared
 * ledger (redeeming a solution, reserving a pass) in {@link Check#lookUp}, off the event loop.
 */
@FunctionalInterface
public interface ChallengeGate {

    /** No solutions: replay, tests, callers without a challenge protocol. */
    ChallengeGate NONE = accountId -> Check.NONE;

    /** What the request from {@code accountId} carries, checked on the calling thread. */
    Check check(String accountId);

    /** A request's challenge answer, as far as it is checked. */
    interface Check {

        /** Nothing submitted, nothing to look up. */
        Check NONE = new Check() {
            @Override
            public boolean needsLookup() {
                return false;
            }

            @Override
            public Check lookUp() {
                return this;
            }

            @Override
            public boolean malformed() {
                return false;
            }

            @Override
            public String refusal() {
                return null;
            }
        };

        /** Whether {@link #lookUp} must run before the request is decided. */
        boolean needsLookup();

        /** Blocking: the shared ledger's round trips. Returns the finished check. */
        Check lookUp();

        /** Whether the submitted solution is not even of the protocol's form (answered with 400). */
        boolean malformed();

        /** Why a submitted solution was not accepted, for the client; null when none was, or it was accepted. */
        String refusal();
    }
}
