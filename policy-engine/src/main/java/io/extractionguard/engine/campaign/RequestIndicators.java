package io.extractionguard.engine.campaign;

/**
 * The campaign-relevant facts of one request, computed with its features (on any thread): hashed
 * indicator values, template bucket keys and the request's content score. Raw identifiers
 * (payment fingerprints, addresses) are never kept, only 64-bit hashes of them.
 *
 * @param accountHash  64-bit hash of the account id (uniform: member samples are chosen by it)
 * @param values       one hashed value per {@link IndicatorKind} ordinal, 0 when absent or not tracked;
 *                     {@link IndicatorKind#TIMING} is filled in at decision time from the account's cadence
 * @param templateKeys LSH bucket keys of the prompt sketch, empty when the prompt is not indexed
 * @param sketch       the prompt sketch itself (bucket candidates are verified against it), null when not indexed
 * @param clientKey    the request's {@link IndicatorKind#CLIENT} value (for rotation), 0 when unknown
 * @param networkKey   the request's {@link IndicatorKind#NETWORK} value (for rotation), 0 when unknown
 * @param content      how harvesting-shaped the request is, in [0, 1] ({@link ContentWeights})
 * @param conversation the request's conversation shape (does it continue the account's previous one?)
 * @param createdMillis the account's creation time (edge header), {@link Long#MIN_VALUE} when unknown
 * @param maxOutputTokens the requested output budget, -1 when the client left it to the model's default
 */
public record RequestIndicators(long accountHash, long[] values, long[] templateKeys, byte[] sketch, long clientKey,
                                long networkKey, double content, Conversation conversation, long createdMillis,
                                long maxOutputTokens) {

    /** For requests decided while correlation is off. */
    public static final RequestIndicators NONE = new RequestIndicators(0, new long[IndicatorKind.count()],
            new long[0], null, 0, 0, 0, Conversation.NONE, Long.MIN_VALUE, -1);

    /**
     * How long the conversation a request carries is: a genuine follow-up carries everything the
     * account sent last time plus the answer, so it has more turns and at least that many characters
     * of history.
     *
     * @param turns        messages / input items
     * @param historyChars characters in all turns but the last user turn
     * @param totalChars   history plus the last user turn (system prompt excluded)
     * @param root         hash of the conversation's first user turn, 0 when unknown
     */
    public record Conversation(int turns, long historyChars, long totalChars, long root) {
        public static final Conversation NONE = new Conversation(0, 0, 0, 0);

        /**
         * Whether this request carries {@code previous} (the account's last request) as its history:
         * the same first user turn, more turns, and at least as much text before its own last turn as
         * the previous request had in all. A made-up earlier exchange has a root of its own.
         */
        public boolean continues(Conversation previous) {
            return previous.turns > 0 && root != 0 && root == previous.root && turns > previous.turns
                    && historyChars >= previous.totalChars;
        }
    }

    public long value(IndicatorKind kind) {
        return values[kind.ordinal()];
    }
}
