package io.extractionguard.engine.campaign;

import io.extractionguard.engine.request.ClaimedHistory;

/**
 * The user-turn sequences one account sent (claimed-history verification): the states
 * ({@link ClaimedHistory#state()}) of its last {@value #KEPT} requests, 64-bit hashes only, about 170 bytes.
 * A genuine follow-up claims its previous request's state as a prefix; parallel conversations and agentic loops
 * find theirs among the last {@value #KEPT}. Where answers are seen (the gateway), also the conversation states
 * after the last {@value #KEPT} answers it was sent ({@link ClaimedHistory#answered}), another 144 bytes.
 *
 * <p>Thread-safe.
 */
public final class SentTurns {

    /** Requests whose user-turn sequence is remembered. */
    public static final int KEPT = 16;

    private final long[] states = new long[KEPT];
    private int count;
    private int next;
    private long[] answers;
    private int answerCount;
    private int nextAnswer;

    /** Verified characters of {@code claimed}'s earlier user text (nothing recorded: see {@link #record}). */
    public synchronized long verified(ClaimedHistory claimed) {
        long verified = 0;
        for (int i = claimed.kept() - 1; i >= 0 && verified == 0; i--) {
            if (contains(claimed.prefixState(i))) {
                verified = claimed.prefixChars(i);
            }
        }
        return verified;
    }

    /** Records {@code claimed}'s own user-turn sequence as sent. */
    public synchronized void record(ClaimedHistory claimed) {
        long state = claimed.state();
        if (state != 0 && !contains(state)) {
            states[next] = state;
            next = (next + 1) % KEPT;
            count = Math.min(count + 1, KEPT);
        }
    }

    /**
     * Verified characters of {@code claimed}'s assistant text: those up to the last of its assistant turns after
     * which the conversation is one this account was answered in ({@link #answered}).
     */
    public synchronized long verifiedAnswers(ClaimedHistory claimed) {
        for (int i = claimed.answersKept() - 1; i >= 0 && answers != null; i--) {
            long state = claimed.answerState(i);
            for (int k = 0; k < answerCount; k++) {
                if (answers[k] == state) {
                    return claimed.answerCharsUpTo(i);
                }
            }
        }
        return 0;
    }

    /** Records that this account was sent an answer after which its conversation's state is {@code state}. */
    public synchronized void answered(long state) {
        if (answers == null) {
            answers = new long[KEPT];
        }
        for (int k = 0; k < answerCount; k++) {
            if (answers[k] == state) {
                return;
            }
        }
        answers[nextAnswer] = state;
        nextAnswer = (nextAnswer + 1) % KEPT;
        answerCount = Math.min(answerCount + 1, KEPT);
    }

    private boolean contains(long state) {
        for (int i = 0; i < count; i++) {
            if (states[i] == state) {
                return true;
            }
        }
        return false;
    }
}
