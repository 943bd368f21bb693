package io.extractionguard.engine.memory;

import java.time.Clock;
import java.util.List;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Ticker;

import io.extractionguard.engine.campaign.AccountLinks;
import io.extractionguard.engine.campaign.AccountObservation;
import io.extractionguard.engine.campaign.AccountRules;
import io.extractionguard.engine.campaign.AccountState;
import io.extractionguard.engine.campaign.IndicatorEvidence;
import io.extractionguard.engine.campaign.IndicatorKind;
import io.extractionguard.engine.campaign.IndicatorRecord;
import io.extractionguard.engine.campaign.SharedValue;
import io.extractionguard.engine.campaign.TemplateBucket;
import io.extractionguard.engine.campaign.TemplateStats;
import io.extractionguard.engine.spi.CampaignStore;
import io.extractionguard.engine.state.ClockTicker;

/**
 * The {@link InMemoryCampaignStore} for a caller that uses it from one thread (the replay decides in
 * trace order on one thread and runs correlation on that thread too): template buckets and indicator
 * values, which a request touches up to {@value Indicators#BANDS} and {@link IndicatorKind#count()}
 * times, live in access-ordered {@link LongIdleMap}s (primitive keys, parallel arrays); Caffeine's read buffers, maintenance
 * and concurrent maps for them were about a fifth of the replay's deciding thread. Accounts (one
 * lookup per request) stay in the same Caffeine cache as {@link InMemoryCampaignStore}'s, because
 * the correlator reads their count: Caffeine counts the entries it has not cleaned up yet, which
 * can include ones expired since its last maintenance, and that count sets the population every
 * rarity is measured against.
 *
 * <p>Same answers as {@link InMemoryCampaignStore} (a differential test checks it): a bucket or value
 * is forgotten {@code idleExpiry} after its last access on the injected clock (Caffeine's
 * {@code expireAfterAccess}: every read and every create touches; one whose idle time reached the
 * expiry reads as absent and is created afresh); a template bucket is created only on its key's
 * second sighting ({@link Doorkeeper}); changed indicator values queue up to
 * {@code maxIndicatorValues} keys. Differs only past the bucket and value bounds (two and one
 * million by default, far above any trace replayed here): this store drops the least recently
 * accessed entry, where Caffeine admits by frequency (W-TinyLFU) with a random tie-break against
 * hash flooding ({@code ThreadLocalRandom} in {@code BoundedLocalCache.admit}), so Caffeine's own
 * choice there does not repeat from run to run either. {@link #sharedValues} may list values in
 * another order. Not thread-safe.
 */
public final class SingleThreadedCampaignStore implements CampaignStore {

    private static final Function<Long, AccountLinks> NEW_LINKS = k -> new AccountLinks();

    private final Clock clock;
    /** Caffeine's time base for expiry ({@link ClockTicker}): the same instants as the Caffeine caches. */
    private final Ticker ticker;
    private final LongIdleMap<TemplateBucket> buckets;
    private final Cache<Long, AccountLinks> accounts;
    private final LongIdleMap<IndicatorRecord> values;
    private final Doorkeeper firstSightings = new Doorkeeper(26);
    /** Keys of changed values, oldest first: a ring of at most {@code maxQueued}. */
    private long[] changed = new long[1 << 10];
    private int changedHead;
    private int changedSize;
    private final long maxQueued;
    /** The account record of the request being decided: its account and indicator steps share it. */
    private AccountLinks lastLinks;
    private long lastHash;
    private double population;

    public SingleThreadedCampaignStore(Clock clock) {
        this(clock, InMemoryCampaignStore.Settings.DEFAULT);
    }

    public SingleThreadedCampaignStore(Clock clock, InMemoryCampaignStore.Settings settings) {
        this.clock = clock;
        this.ticker = ClockTicker.of(clock);
        long idle = settings.idleExpiry().toNanos();
        this.buckets = new LongIdleMap<>(settings.maxTemplateBuckets(), idle);
        this.accounts = InMemoryCampaignStore.cache(clock, settings.maxAccounts(), settings.idleExpiry());
        this.values = new LongIdleMap<>(settings.maxIndicatorValues(), idle);
        this.maxQueued = settings.maxIndicatorValues();
    }

    @Override
    public TemplateStats[] observeTemplates(long accountHash, long[] keys, byte[] sketch, double minSimilarity,
                                            double content, double minContentToCreate, long atMillis) {
        long now = ticker.read();
        return InMemoryCampaignStore.observeTemplates(firstSightings,
                (key, create) -> create ? buckets.get(key, TemplateBucket::new, now) : buckets.getIfPresent(key, now),
                accountHash, keys, sketch, minSimilarity, content, minContentToCreate, atMillis);
    }

    @Override
    public AccountState observeAccount(long accountHash, AccountObservation observation, AccountRules rules) {
        return links(accountHash).apply(observation, rules);
    }

    @Override
    public IndicatorEvidence[] observeIndicators(long accountHash, long[] keys, double suspicion, double halfLifeMillis,
                                                 long atMillis) {
        float peak = links(accountHash).peakSuspicion(suspicion, atMillis, halfLifeMillis);
        lastLinks = null; // the request is done with it: the next one looks the account up afresh
        IndicatorEvidence[] out = new IndicatorEvidence[keys.length];
        long now = ticker.read();
        for (int i = 0; i < keys.length; i++) {
            long key = keys[i];
            if (key == 0) {
                continue;
            }
            IndicatorEvidence e = values.get(key, IndicatorRecord::new, now).apply(IndicatorKind.of(i), accountHash, peak);
            if (e.changed() && changedSize < maxQueued) {
                enqueue(key);
            }
            out[i] = e;
        }
        return out;
    }

    private AccountLinks links(long accountHash) {
        if (lastLinks != null && lastHash == accountHash) {
            return lastLinks;
        }
        lastLinks = accounts.get(accountHash, NEW_LINKS);
        lastHash = accountHash;
        return lastLinks;
    }

    private void enqueue(long key) {
        if (changedSize == changed.length) {
            long[] grown = new long[changed.length * 2];
            for (int i = 0; i < changedSize; i++) {
                grown[i] = changed[(changedHead + i) & (changed.length - 1)];
            }
            changed = grown;
            changedHead = 0;
        }
        changed[(changedHead + changedSize) & (changed.length - 1)] = key;
        changedSize++;
    }

    @Override
    public long[] drainChanged(int max) {
        int n = Math.min(max, changedSize);
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = changed[changedHead];
            changedHead = (changedHead + 1) & (changed.length - 1);
        }
        changedSize -= n;
        return keys;
    }

    @Override
    public double distinctAccounts(long valueKey) {
        IndicatorRecord r = values.getIfPresent(valueKey, ticker.read());
        return r == null ? Double.NaN : r.distinctAccounts();
    }

    @Override
    public void publishRarity(long valueKey, float rarity) {
        IndicatorRecord r = values.getIfPresent(valueKey, ticker.read());
        if (r != null) {
            r.publishRarity(rarity);
        }
    }

    @Override
    public long accountCount() {
        return accounts.estimatedSize();
    }

    @Override
    public void publishPopulation(double accounts) {
        population = accounts;
    }

    @Override
    public double population() {
        return population;
    }

    @Override
    public List<SharedValue> sharedValues(int minAccounts, int max) {
        long now = ticker.read();
        return InMemoryCampaignStore.sharedValues(values.entries(now), buckets.entries(now), minAccounts, max, clock);
    }
}
