package io.extractionguard.engine.campaign;

/**
 * What one request adds to its account's {@link AccountLinks}: the unit a shared store ships.
 *
 * @param atMillis         arrival time
 * @param templateStrength how strongly the request matched hot templates, in [0, 1]
 * @param content          the request's content score, in [0, 1]
 * @param clientKey        its {@link IndicatorKind#CLIENT} value, 0 when unknown
 * @param networkKey       its {@link IndicatorKind#NETWORK} value, 0 when unknown
 * @param conversation     its conversation shape ({@link RequestIndicators.Conversation#NONE} when unknown)
 */
public record AccountObservation(long atMillis, double templateStrength, double content, long clientKey,
                                 long networkKey, RequestIndicators.Conversation conversation) {

    /** An observation without a conversation shape. */
    public AccountObservation(long atMillis, double templateStrength, double content, long clientKey, long networkKey) {
        this(atMillis, templateStrength, content, clientKey, networkKey, RequestIndicators.Conversation.NONE);
    }
}
