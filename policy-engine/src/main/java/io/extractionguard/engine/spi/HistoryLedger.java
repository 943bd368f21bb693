package io.extractionguard.engine.spi;

import io.extractionguard.engine.request.ClaimedHistory;

/**
 * What each account has sent, as hashes of user-turn sequences, for claimed-history verification
 * ({@link io.extractionguard.engine.campaign.StructureSettings.ClaimedHistoryCheck}). Answers from local
 * memory on the request path; never holds text.
 */
public interface HistoryLedger {

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
