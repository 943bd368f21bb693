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
 */
public record RequestIndicators(long accountHash, long[] values, long[] templateKeys, byte[] sketch, long clientKey,
                                long networkKey, double content) {

    /** For requests decided while correlation is off. */
    public static final RequestIndicators NONE = new RequestIndicators(0, new long[IndicatorKind.count()],
            new long[0], null, 0, 0, 0);

    public long value(IndicatorKind kind) {
        return values[kind.ordinal()];
    }
}
