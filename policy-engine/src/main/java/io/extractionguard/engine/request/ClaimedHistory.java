package io.extractionguard.engine.request;

import java.util.Arrays;

/**
 * The user turns a request claims came before its last one, as hashes (never text the guard keeps):
 * for each earlier user turn, the hash of the user-turn sequence up to and including it (a prefix
 * state) and the characters of the earlier user turns up to it; and the request's own state, the
 * hash of its whole user-turn sequence. The Messages, Chat and Responses APIs are stateless, so a
 * genuine client's earlier user turns are what the same account sent before: its previous request's
 * state is a prefix state of its follow-up. What lies after the longest prefix state the account
 * is known to have sent is <em>unverified</em> ({@code claimed-history}, docs/campaigns.md "Structural conviction").
 *
 * <p>The texts of the last {@value #MAX_TEXTS} earlier user turns are held for the request's lifetime only,
 * so unverified turns can be read as the request's content. Bounded: the last {@value #MAX_TURNS} prefix
 * states are kept (an older prefix is never the longest known one in practice).
 */
public final class ClaimedHistory {

    /** Earlier user turns whose prefix state is kept. */
    public static final int MAX_TURNS = 64;
    /** Earlier user turns whose text is kept for reading unverified content. */
    public static final int MAX_TEXTS = 8;

    public static final ClaimedHistory NONE = new ClaimedHistory(new long[0], new long[0], new String[0], 0, 0, 0);

    private final long[] prefixStates;
    private final long[] prefixChars;
    private final String[] texts;
    private final int turns;
    private final long chars;
    private final long state;

    /**
     * @param prefixStates the kept prefix states, oldest first (the last one is the last earlier user turn's)
     * @param prefixChars  earlier user characters up to and including each kept prefix
     * @param texts        the last earlier user turns' texts, oldest first (at most {@value #MAX_TEXTS})
     * @param turns        earlier user turns in all
     * @param chars        characters of all earlier user turns
     * @param state        hash of the whole user-turn sequence, the last turn included (0: no user turn)
     */
    ClaimedHistory(long[] prefixStates, long[] prefixChars, String[] texts, int turns, long chars, long state) {
        this.prefixStates = prefixStates;
        this.prefixChars = prefixChars;
        this.texts = texts;
        this.turns = turns;
        this.chars = chars;
        this.state = state;
    }

    /** The state after user turn {@code turnHash} follows the sequence whose state is {@code previous}. */
    static long next(long previous, long turnHash) {
        long h = (previous ^ 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L + turnHash;
        h = (h ^ (h >>> 31)) * 0x94D049BB133111EBL;
        h ^= h >>> 29;
        return h == 0 ? 1 : h;
    }

    /** Earlier user turns claimed (all of them, also those whose prefix is no longer kept). */
    public int turns() {
        return turns;
    }

    /** Characters of all earlier user turns. */
    public long chars() {
        return chars;
    }

    /** Hash of the request's whole user-turn sequence (what a follow-up of it claims as a prefix); 0 when none. */
    public long state() {
        return state;
    }

    /** Kept prefix states (the newest {@value #MAX_TURNS}). */
    public int kept() {
        return prefixStates.length;
    }

    /** The {@code i}-th kept prefix state, oldest first. */
    public long prefixState(int i) {
        return prefixStates[i];
    }

    /** Earlier user characters up to and including the {@code i}-th kept prefix. */
    public long prefixChars(int i) {
        return prefixChars[i];
    }

    /**
     * The text of the earlier user turns after {@code verifiedChars} characters of earlier user text,
     * as far as kept (the last {@value #MAX_TEXTS} turns), joined by newlines; empty when there is none.
     */
    public String unverifiedText(long verifiedChars) {
        StringBuilder b = new StringBuilder();
        long end = chars;
        for (int i = texts.length - 1; i >= 0 && end > verifiedChars; i--) {
            b.insert(0, b.isEmpty() ? texts[i] : texts[i] + "\n");
            end -= texts[i].length();
        }
        return b.toString();
    }

    /** Collects a conversation's user turns as they are read; one per parse, not thread-safe. */
    static final class Recorder {
        private long prefix;
        private int turns;
        private long chars;
        private long[] states = new long[0];
        private long[] upTo = new long[0];
        private final String[] texts = new String[MAX_TEXTS];

        int turns() {
            return turns;
        }

        /** An earlier user turn: its text and hash. */
        void earlier(String text, long hash) {
            prefix = next(prefix, hash);
            chars += text.length();
            if (turns < MAX_TURNS && turns == states.length) {
                states = Arrays.copyOf(states, Math.min(MAX_TURNS, Math.max(4, turns * 2)));
                upTo = Arrays.copyOf(upTo, states.length);
            }
            states[turns % MAX_TURNS] = prefix;
            upTo[turns % MAX_TURNS] = chars;
            texts[turns % MAX_TEXTS] = text;
            turns++;
        }

        /** The claimed history of a request whose last user turn hashes to {@code lastHash} (0: none). */
        ClaimedHistory finish(long lastHash) {
            long state = lastHash == 0 ? prefix : next(prefix, lastHash);
            if (turns == 0) {
                return state == 0 ? NONE : new ClaimedHistory(new long[0], new long[0], new String[0], 0, 0, state);
            }
            int kept = Math.min(turns, MAX_TURNS);
            long[] s = new long[kept];
            long[] u = new long[kept];
            for (int i = 0; i < kept; i++) {
                int at = (turns - kept + i) % MAX_TURNS;
                s[i] = states[at];
                u[i] = upTo[at];
            }
            int keptTexts = Math.min(turns, MAX_TEXTS);
            String[] t = new String[keptTexts];
            for (int i = 0; i < keptTexts; i++) {
                t[i] = texts[(turns - keptTexts + i) % MAX_TEXTS];
            }
            return new ClaimedHistory(s, u, t, turns, chars, state);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClaimedHistory c && turns == c.turns && chars == c.chars && state == c.state
                && Arrays.equals(prefixStates, c.prefixStates) && Arrays.equals(prefixChars, c.prefixChars)
                && Arrays.equals(texts, c.texts);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(state) * 31 + turns;
    }

    @Override
    public String toString() {
        return "ClaimedHistory[turns=" + turns + ", chars=" + chars + ", state=" + Long.toHexString(state) + "]";
    }
}
