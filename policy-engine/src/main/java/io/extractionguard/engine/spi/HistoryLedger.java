package io.extractionguard.engine.spi;

import io.extractionguard.engine.request.ClaimedHistory;

/**
 * What each account has sent, as hashes of user-turn sequences, for claimed-history verification
 * ({@link io.extractionguard.engine.campaign.StructureSettings.ClaimedHistoryCheck}). Answers from local
 * memory on the request path; never holds text.
 */
public interface HistoryLedger {

    /** Verified characters of {@code claimed}'s assistant text: up to its last turn {@link #answered}; reads only. */
    default long verifiedAnswers(long accountHash, ClaimedHistory claimed, long atMillis) {
        return 0; // a ledger that keeps no answers verifies none
    }

    /** Records that an answer of {@code digest} was sent after {@code conversation} (a request's chain state). */
    default void answered(long accountHash, long conversation, long digest, long atMillis) {
    }

    /**
     * How much of {@code claimed}'s earlier user text the account is known to have sent: the characters up to the
     * longest prefix of its user-turn sequence that the account sent as a request of its own. Records nothing.
     *
     * @return verified characters of earlier user text, between 0 and {@code claimed.chars()}
     */
    long verified(long accountHash, ClaimedHistory claimed, long atMillis);

    /**
     * Records the request's own user-turn sequence as sent by the account (after {@link #verified}; the engine does
     * it in the decision's {@link io.extractionguard.engine.decision.Commit}, as the answer does not read it).
     */
    void record(long accountHash, ClaimedHistory claimed, long atMillis);
}
