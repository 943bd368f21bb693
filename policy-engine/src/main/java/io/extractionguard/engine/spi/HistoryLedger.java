package io.extractionguard.engine.spi;

import io.extractionguard.engine.request.ClaimedHistory;

/**
 * What each account has sent, as hashes of user-turn sequences, for claimed-history verification
 * ({@link io.extractionguard.engine.campaign.StructureSettings.ClaimedHistoryCheck}). Answers from local
 * memory on the request path; never holds text.
 */
public interface HistoryLedger {

    /**
     * Finds how much of {@code claimed}'s earlier user text the account is known to have sent (the characters
     * up to the longest prefix of its user-turn sequence that the account sent as a request of its own), then
     * records the request's own sequence as sent.
     *
     * @return verified characters of earlier user text, between 0 and {@code claimed.chars()}
     */
    long verify(long accountHash, ClaimedHistory claimed, long atMillis);

    /**
     * How much of {@code claimed}'s assistant text the account is known to have been answered: the characters up to
     * the last claimed assistant turn after which the conversation is one it was {@link #answered} in. Records
     * nothing.
     *
     * @return verified characters of assistant text, between 0 and {@code claimed.answerChars()}
     */
    long verifyAnswers(long accountHash, ClaimedHistory claimed, long atMillis);

    /**
     * Records that the account was sent an answer whose {@link io.extractionguard.engine.request.AnswerDigest} is
     * {@code digest} to a request whose {@link ClaimedHistory#conversation()} is {@code conversation}.
     */
    void answered(long accountHash, long conversation, long digest, long atMillis);
}
