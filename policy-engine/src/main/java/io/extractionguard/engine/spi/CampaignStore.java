package io.extractionguard.engine.spi;

import io.extractionguard.engine.campaign.AccountObservation;
import io.extractionguard.engine.campaign.AccountRules;
import io.extractionguard.engine.campaign.AccountState;
import io.extractionguard.engine.campaign.IndicatorEvidence;
import io.extractionguard.engine.campaign.SharedValue;
import io.extractionguard.engine.campaign.TemplateStats;

/**
 * Where correlation keeps its state: template buckets, per-account links and shared indicator
 * values, all bounded (samples, decayed counters) and keyed by 64-bit hashes, never by raw
 * identifiers. The in-memory implementation serves replay and a single gateway; a shared
 * implementation (the gateway's Redis store: a full in-memory copy per replica, every change
 * replicated through a Redis stream) lets every replica see the same evidence.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Request path</b> — {@link #observeTemplates}, {@link #observeAccount} and
 *   {@link #observeIndicators} are called once each per request, in that order, on the thread that
 *   decides it. They must answer from local memory and never wait for a network round trip; a
 *   shared store applies the change locally and ships it behind, in batches. Each is a self-contained
 *   change (an account hash, keys, numbers and a timestamp), so it can be replayed on another replica
 *   in any order: counters are time-decayed and samples keep the smallest hashes, both of which merge.</li>
 *   <li><b>Correlator</b> — {@link #drainChanged}, {@link #distinctAccounts}, {@link #publishRarity},
 *   {@link #accountCount} and {@link #publishPopulation} are called by the one replica that runs the
 *   periodic correlation (see {@link CorrelationLeadership}); what it publishes must become visible to
 *   the request path of every replica.</li>
 * </ul>
 * Implementations must be thread-safe and bounded: they may forget the least recently used entries.
 */
public interface CampaignStore {

    /**
     * Adds one request to the template buckets {@code keys} and returns each bucket as it was just
     * before (so a request never counts as evidence for itself). See {@link TemplateBucket} for how
     * a bucket verifies that the prompt belongs to it.
     *
     * <p>Only a request whose content is at least {@code minContentToCreate} creates a bucket that
     * does not exist yet; others update existing buckets only. A bucket can only become hot through
     * harvesting-shaped requests, so this bounds the state by the harvesting-shaped traffic (and
     * spares the request path the lookups' inserts) while ordinary requests still dilute buckets
     * that exist.
     *
     * @param sketch             the prompt's sketch
     * @param minSimilarity      similarity to a bucket's representative a prompt needs to count in it
     * @param minContentToCreate content score a request needs to create a bucket
     * @return one entry per key, {@link TemplateStats#EMPTY} for a new or absent bucket or one the prompt does not match
     */
    TemplateStats[] observeTemplates(long accountHash, long[] keys, byte[] sketch, double minSimilarity,
                                     double content, double minContentToCreate, long atMillis);

    /** Adds one request to the account's links and returns its state after it, read with {@code rules}. */
    AccountState observeAccount(long accountHash, AccountObservation observation, AccountRules rules);

    /**
     * Folds the request's suspicion into the account's remembered peak ({@link AccountLinks#peakSuspicion}),
     * records that the account, with that peak, uses the indicator values {@code values} (indexed by
     * {@link IndicatorKind} ordinal, 0 = none) and returns each value as the account sees it.
     *
     * @param halfLifeMillis how fast a remembered suspicion fades
     * @return one entry per kind, null where {@code values} holds 0
     */
    IndicatorEvidence[] observeIndicators(long accountHash, long[] values, double suspicion, double halfLifeMillis,
                                          long atMillis);

    /**
     * Keys of indicator values whose account sample changed since they were last drained, at most
     * {@code max} of them, oldest change first; each is returned once per change.
     */
    long[] drainChanged(int max);

    /** Estimated distinct accounts seen with an indicator value, NaN when the value is unknown. */
    double distinctAccounts(long valueKey);

    /** Publishes a value's rarity (see {@link CampaignCorrelator}). */
    void publishRarity(long valueKey, float rarity);

    /** Accounts the store currently holds links for (approximate). */
    long accountCount();

    /** Publishes the active population rarity is measured against. */
    void publishPopulation(double accounts);

    /** The last published population, 0 before the first correlation run. */
    double population();

    /**
     * For operators, not the request path: up to {@code max} indicator values and template buckets
     * that at least {@code minAccounts} sampled accounts share (a full scan of local state).
     * The default holds nothing.
     */
    default java.util.List<SharedValue> sharedValues(int minAccounts, int max) {
        return java.util.List.of();
    }
}
