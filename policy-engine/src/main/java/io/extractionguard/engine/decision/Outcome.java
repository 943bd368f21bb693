package io.extractionguard.engine.decision;

import java.util.function.Supplier;

import io.extractionguard.engine.request.ParseError;
import io.extractionguard.engine.spi.ChallengeGate;

/**
 * What the engine's front door ({@link GuardEngine#admit}) answers for one request: forward it
 * with its decision, reject it for an explicit cause, or first finish a lookup that blocks. A decided
 * outcome carries the {@link Commit} of the state updates its answer does not read: the receiver runs
 * it once the answer is on its way, whatever becomes of the request (see {@link Commit}'s contract).
 */
public sealed interface Outcome {

    /** What to run once the answer is on its way; {@link Commit#NONE} when nothing was decided. */
    Commit commit();

    /** Why a request is not forwarded. */
    enum Cause {
        /** The body, compressed or decompressed, is over the route's cap (413). */
        TOO_LARGE,
        /** The body's content-encoding is not one the guard reads (415). */
        UNSUPPORTED_ENCODING,
        /** The body is not a valid request of its API (400). */
        INVALID_REQUEST,
        /** A challenge solution that is not of the protocol's form (400). */
        MALFORMED_SOLUTION,
        /** THROTTLE: a request limit (429). */
        RATE_LIMITED,
        /** THROTTLE: a token budget (429). */
        TOKENS_EXHAUSTED,
        /** THROTTLE: a batch larger than the account's limit admits at once (429). */
        BATCH_TOO_LARGE,
        /** CHALLENGE (403). */
        CHALLENGED,
        /** BLOCK (403). */
        BLOCKED;

        /** The cause of a decision that rejects (THROTTLE, CHALLENGE or BLOCK). */
        public static Cause of(Decision decision) {
            return switch (decision.action()) {
                case THROTTLE -> switch (decision.throttle()) {
                    case RATE_LIMIT -> RATE_LIMITED;
                    case TOKEN_BUDGET -> TOKENS_EXHAUSTED;
                    case BATCH_TOO_LARGE -> BATCH_TOO_LARGE;
                };
                case CHALLENGE -> CHALLENGED;
                case BLOCK -> BLOCKED;
                case ALLOW, SHADOW -> throw new IllegalArgumentException("not a rejection: " + decision);
            };
        }
    }

    /** Forward the request: ALLOW or SHADOW; run {@code commit} after handing it upstream. */
    record Forward(Intake.Accepted request, Decision decision, Commit commit) implements Outcome {
    }

    /**
     * Answer with an error instead.
     *
     * @param cause    why
     * @param invalid  for a body that could not be read: the parse error; otherwise null
     * @param request  the request, once read; otherwise null
     * @param decision for THROTTLE, CHALLENGE or BLOCK: the decision; otherwise null
     * @param solution the request's challenge answer, once checked ({@link ChallengeGate.Check#NONE} before)
     * @param commit   for a decision: its commit; otherwise {@link Commit#NONE}
     */
    record Reject(Cause cause, ParseError invalid, Intake.Accepted request, Decision decision,
                  ChallengeGate.Check solution, Commit commit) implements Outcome {
    }

    /** A lookup that blocks must run first; {@link #complete} runs it and decides. */
    record NeedsLookup(Intake.Accepted request, Supplier<Outcome> then) implements Outcome {
        /** Blocking: call it off the event loop. The outcome it returns carries the commit. */
        public Outcome complete() {
            return then.get();
        }

        /** Nothing decided yet: {@link Commit#NONE}. */
        @Override
        public Commit commit() {
            return Commit.NONE;
        }
    }

    /** A body that could not be decoded or parsed. */
    public static Reject invalid(ParseError error) {
        Cause cause = switch (error.kind()) {
            case LIMIT_EXCEEDED -> Cause.TOO_LARGE;
            case UNKNOWN_FORMAT -> Cause.UNSUPPORTED_ENCODING;
            case MALFORMED_JSON, INVALID_REQUEST -> Cause.INVALID_REQUEST;
        };
        return new Reject(cause, error, null, null, ChallengeGate.Check.NONE, Commit.NONE);
    }

    static Outcome malformedSolution(Intake.Accepted request, ChallengeGate.Check solution) {
        return new Reject(Cause.MALFORMED_SOLUTION, null, request, null, solution, Commit.NONE);
    }

    static Outcome decided(Intake.Accepted request, Decision decision, ChallengeGate.Check solution, Commit commit) {
        return decision.action().forwards() ? new Forward(request, decision, commit)
                : new Reject(Cause.of(decision), null, request, decision, solution, commit);
    }

    static Outcome needsLookup(Intake.Accepted request, Supplier<Outcome> then) {
        return new NeedsLookup(request, then);
    }
}
