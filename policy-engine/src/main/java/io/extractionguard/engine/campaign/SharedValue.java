package io.extractionguard.engine.campaign;

/**
 * A shared indicator value or template bucket as it stands, for operators (see
 * {@link CampaignListing}); never read on the request path.
 *
 * @param kind          the indicator kind, or null for a template bucket
 * @param key           the value's (or bucket's) 64-bit key
 * @param accounts      sampling hashes of the accounts sampled with it ({@code accountHash & Long.MAX_VALUE})
 * @param distinct      estimated distinct accounts seen with it
 * @param suspicionSum  summed remembered suspicion of the sampled accounts (indicator values; 0 for buckets)
 * @param heat          the bucket's heat (template buckets; 0 for indicator values)
 * @param rarity        the value's published rarity, NaN before the correlator reached it (and for buckets)
 */
public record SharedValue(IndicatorKind kind, long key, long[] accounts, double distinct, double suspicionSum,
                          double heat, float rarity) {
}
