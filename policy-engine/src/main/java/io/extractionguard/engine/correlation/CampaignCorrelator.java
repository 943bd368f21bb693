package io.extractionguard.engine.correlation;

import io.extractionguard.engine.campaign.CorrelationReport;
import io.extractionguard.engine.spi.CampaignStore;

/**
 * The periodic half of correlation, run by one replica at a time: it measures how common every
 * indicator value that gained accounts is, and publishes that rarity for the request path.
 *
 * <p>Rarity is inverse document frequency scaled to [0, 1]:
 * {@code 1 - ln(accounts sharing the value) / ln(active accounts)}. A value only one account uses
 * has rarity 1; one that a tenth of a million-account population shares (a popular SDK's TLS
 * fingerprint, a mobile carrier's NAT) about 0.17, so however suspicious its other users are, it
 * links accounts only weakly. The population is never taken below {@link #MIN_POPULATION}, so a
 * small deployment or a short trace does not make every value look common.
 */
public final class CampaignCorrelator {

    /** Smallest population rarity is measured against. */
    public static final double MIN_POPULATION = 1000;
    /** Values handled per run at most; the rest wait for the next run. */
    public static final int MAX_VALUES_PER_RUN = 250_000;

    private final CampaignStore store;

    public CampaignCorrelator(CampaignStore store) {
        this.store = store;
    }

    /** One run at engine time {@code nowMillis}. */
    public CorrelationReport run(long nowMillis) {
        double population = Math.max(MIN_POPULATION, store.accountCount());
        store.publishPopulation(population);
        long[] keys = store.drainChanged(MAX_VALUES_PER_RUN);
        int updated = 0;
        for (long key : keys) {
            double distinct = store.distinctAccounts(key);
            if (!Double.isNaN(distinct)) {
                store.publishRarity(key, rarity(distinct, population));
                updated++;
            }
        }
        return new CorrelationReport(nowMillis, population, updated);
    }

    /** Rarity of a value shared by {@code distinct} accounts out of {@code population}. */
    public static float rarity(double distinct, double population) {
        double p = Math.max(MIN_POPULATION, population);
        double r = 1 - Math.log(Math.max(1, distinct)) / Math.log(p);
        return (float) Math.max(0, Math.min(1, r));
    }
}
