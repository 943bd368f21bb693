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
 * <p>Read by a parser that reads answers ({@link RequestParser#readingAnswers()}, the gateway's), it also holds the
 * request's claimed <em>assistant</em> turns: a second chain over every user and assistant turn in order (an
 * assistant turn by its {@link AnswerDigest}), its state after each assistant turn with the assistant characters
 * up to there, and its state at the end ({@link #conversation()}). A genuine follow-up's state after the answer it
 * resends is the state of the request it follows, followed by the answer the gateway forwarded to it
 * ({@link #answered}); what lies after the longest such state the account is known to have received is unverified.
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

    public static final ClaimedHistory NONE = new ClaimedHistory(new long[0], new long[0], new String[0], 0, 0, 0,
            Answers.NOT_READ);

    private final long[] prefixStates;
    private final long[] prefixChars;
    private final String[] texts;
    private final int turns;
    private final long chars;
    private final long state;
    private final Answers answers;

    /**
     * The claimed assistant turns (see the class comment), or {@link #NOT_READ} by a parser that reads no answers.
     *
     * @param states    the conversation chain's state after each kept assistant turn, oldest first
     * @param upTo      assistant characters up to and including each
     * @param texts     the last assistant turns' texts, oldest first (at most {@value ClaimedHistory#MAX_TEXTS})
     * @param order     each of those texts' position among all turns (user and assistant)
     * @param userOrder each kept earlier user text's position among all turns (to merge both in order)
     * @param chars     characters of all assistant turns
     * @param end       the conversation chain's state at the end of the request (0: no user turn)
     */
    record Answers(long[] states, long[] upTo, String[] texts, int[] order, int[] userOrder, long chars, long end) {
        static final Answers NOT_READ = new Answers(new long[0], new long[0], new String[0], new int[0], new int[0], 0, 0);
    }

    /**
     * @param prefixStates the kept prefix states, oldest first (the last one is the last earlier user turn's)
     * @param prefixChars  earlier user characters up to and including each kept prefix
     * @param texts        the last earlier user turns' texts, oldest first (at most {@value #MAX_TEXTS})
     * @param turns        earlier user turns in all
     * @param chars        characters of all earlier user turns
     * @param state        hash of the whole user-turn sequence, the last turn included (0: no user turn)
     */
    ClaimedHistory(long[] prefixStates, long[] prefixChars, String[] texts, int turns, long chars, long state,
                   Answers answers) {
        this.answers = answers;
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

    /** The {@link AnswerDigest} of an answer without text (tool calls only). */
    private static final long NO_TEXT = new AnswerDigest().digest();

    /** Tells an assistant turn from a user turn of the same text in the conversation chain. */
    private static final long ASSISTANT = 0x6A09E667F3BCC909L;

    /**
     * The conversation chain's state after an assistant turn whose {@link AnswerDigest} is {@code digest}: the state
     * a genuine follow-up claims after resending the answer forwarded to the request whose {@link #conversation()}
     * is {@code conversation}.
     */
    public static long answered(long conversation, long digest) {
        return next(conversation, digest ^ ASSISTANT);
    }

    /** Whether the assistant turns were read (a parser {@link RequestParser#readingAnswers() reading answers}). */
    public boolean answersRead() {
        return answers != Answers.NOT_READ;
    }

    /** The conversation chain's state at the end of the request (what its answer follows); 0 when not read or no user turn. */
    public long conversation() {
        return answers.end();
    }

    /** Characters of all claimed assistant turns (0 when not read). */
    public long answerChars() {
        return answers.chars();
    }

    /** Kept assistant-turn states (the newest {@value #MAX_TURNS}). */
    public int answersKept() {
        return answers.states().length;
    }

    /** The conversation chain's state after the {@code i}-th kept assistant turn, oldest first. */
    public long answerState(int i) {
        return answers.states()[i];
    }

    /** Assistant characters up to and including the {@code i}-th kept assistant turn. */
    public long answerCharsUpTo(int i) {
        return answers.upTo()[i];
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
        return unverifiedText(verifiedChars, answers.chars());
    }

    /**
     * The text of the earlier user turns after {@code verifiedChars} characters of earlier user text and of the
     * assistant turns after {@code verifiedAnswerChars} characters of assistant text, as far as kept (the last
     * {@value #MAX_TEXTS} of each), in conversation order, joined by newlines; empty when there is none.
     */
    public String unverifiedText(long verifiedChars, long verifiedAnswerChars) {
        StringBuilder b = new StringBuilder();
        long userEnd = chars;
        long answerEnd = answers.chars();
        int u = texts.length - 1;
        int a = answers.texts().length - 1;
        while (true) {
            boolean takeUser = u >= 0 && userEnd > verifiedChars;
            boolean takeAnswer = a >= 0 && answerEnd > verifiedAnswerChars;
            if (takeUser && takeAnswer) { // the later turn first (building backwards)
                takeUser = answers.userOrder().length == 0 || answers.userOrder()[u] > answers.order()[a];
                takeAnswer = !takeUser;
            }
            String text;
            if (takeUser) {
                text = texts[u--];
                userEnd -= text.length();
            } else if (takeAnswer) {
                text = answers.texts()[a--];
                answerEnd -= text.length();
            } else {
                return b.toString();
            }
            b.insert(0, b.isEmpty() ? text : text + "\n");
        }
    }

    /** Collects a conversation's user turns (and its assistant turns, reading answers) as they are read; one per parse, not thread-safe. */
    static final class Recorder {
        /** The earlier user turns (their chain is {@link Kept#state}). */
        private final Kept earlier = new Kept();
        private long prefix;
        /** Reading assistant turns (see {@link Answers}): the conversation chain and the assistant turns. */
        private final boolean answers;
        private final Kept assistant = new Kept();
        private long conversation;
        private int position;
        private int lastUserPosition;

        Recorder(boolean answers) {
            this.answers = answers;
        }

        int turns() {
            return earlier.count;
        }

        /** A user turn arrived (any of them, the last one too), whose hash is {@code hash}: the conversation chain. */
        void user(long hash) {
            if (answers) {
                conversation = next(conversation, hash);
                lastUserPosition = position++;
            }
        }

        /** An assistant turn arrived: its text and {@link AnswerDigest}. */
        void assistant(String text, long digest) {
            conversation = answered(conversation, digest);
            assistant.add(conversation, text, position++);
        }

        /**
         * A Responses tool-call item's arguments: part of the assistant turn before it ({@code ofLast}: one came after the
         * last user turn), else an assistant turn of its own without text, as the gateway digests an answer that only
         * calls tools. Either way not in the digest, like the tool calls of Anthropic and Chat assistant turns.
         */
        void calls(String text, boolean ofLast) {
            if (ofLast && assistant.count > 0) {
                assistant.extendLast(text);
            } else {
                assistant(text, NO_TEXT);
            }
        }

        /** An earlier user turn: its text and hash. */
        void earlier(String text, long hash) {
            prefix = next(prefix, hash);
            earlier.add(prefix, text, lastUserPosition);
        }

        /** The claimed history of a request whose last user turn hashes to {@code lastHash} (0: none). */
        ClaimedHistory finish(long lastHash) {
            long state = lastHash == 0 ? prefix : next(prefix, lastHash);
            Answers read = answers ? new Answers(assistant.states(), assistant.upTo(), assistant.texts(),
                    assistant.order(), earlier.order(), assistant.chars, conversation) : Answers.NOT_READ;
            if (earlier.count == 0 && state == 0 && read == Answers.NOT_READ) {
                return NONE;
            }
            return new ClaimedHistory(earlier.states(), earlier.upTo(), earlier.texts(), earlier.count, earlier.chars,
                    state, read);
        }
    }

    /**
     * The turns of one role as read: per turn the chain's state after it and the characters up to it (the newest
     * {@value #MAX_TURNS}), and the text and position in the conversation of the newest {@value #MAX_TEXTS}.
     */
    private static final class Kept {
        private int count;
        private long chars;
        private long[] states = new long[0];
        private long[] upTo = new long[0];
        private final String[] texts = new String[MAX_TEXTS];
        private final int[] order = new int[MAX_TEXTS];

        void add(long state, String text, int position) {
            chars += text.length();
            if (count < MAX_TURNS && count == states.length) {
                states = Arrays.copyOf(states, Math.min(MAX_TURNS, Math.max(4, count * 2)));
                upTo = Arrays.copyOf(upTo, states.length);
            }
            states[count % MAX_TURNS] = state;
            upTo[count % MAX_TURNS] = chars;
            texts[count % MAX_TEXTS] = text;
            order[count % MAX_TEXTS] = position;
            count++;
        }

        /** Appends {@code text} to the last turn's (its state stays). */
        void extendLast(String text) {
            int last = count - 1;
            String was = texts[last % MAX_TEXTS];
            texts[last % MAX_TEXTS] = was.isEmpty() ? text : was + "\n" + text;
            chars += texts[last % MAX_TEXTS].length() - was.length();
            upTo[last % MAX_TURNS] = chars;
        }

        long[] states() {
            return oldestFirst(states, Math.min(count, MAX_TURNS), MAX_TURNS);
        }

        long[] upTo() {
            return oldestFirst(upTo, Math.min(count, MAX_TURNS), MAX_TURNS);
        }

        String[] texts() {
            int kept = Math.min(count, MAX_TEXTS);
            String[] t = new String[kept];
            for (int i = 0; i < kept; i++) {
                t[i] = texts[(count - kept + i) % MAX_TEXTS];
            }
            return t;
        }

        int[] order() {
            int kept = Math.min(count, MAX_TEXTS);
            int[] o = new int[kept];
            for (int i = 0; i < kept; i++) {
                o[i] = order[(count - kept + i) % MAX_TEXTS];
            }
            return o;
        }

        private long[] oldestFirst(long[] ring, int kept, int size) {
            long[] out = new long[kept];
            for (int i = 0; i < kept; i++) {
                out[i] = ring[(count - kept + i) % size];
            }
            return out;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClaimedHistory c && turns == c.turns && chars == c.chars && state == c.state
                && Arrays.equals(prefixStates, c.prefixStates) && Arrays.equals(prefixChars, c.prefixChars)
                && Arrays.equals(texts, c.texts) && answers.end() == c.answers.end()
                && answers.chars() == c.answers.chars() && Arrays.equals(answers.states(), c.answers.states());
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
