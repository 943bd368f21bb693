package io.extractionguard.engine.memory;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

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
 * A {@link CampaignStore} in process memory: three size-bounded caches that forget entries idle for
 * longer than {@link Settings#idleExpiry}, on the injected clock (so replay expires on trace time).
 * A template bucket is created only on its key's second sighting by a request allowed to
 * create one ({@link Doorkeeper}, 8 MiB).
 */
public final class InMemoryCampaignStore implements CampaignStore {

    /**
     * Sizing.
     *
     * @param maxAccounts         accounts with links
     * @param maxTemplateBuckets  template buckets (each prompt touches {@link Indicators#BANDS})
     * @param maxIndicatorValues  shared indicator values
     * @param idleExpiry          entries not touched for this long are forgotten
     */
    public record Settings(long maxAccounts, long maxTemplateBuckets, long maxIndicatorValues, Duration idleExpiry) {
        public static final Settings DEFAULT = new Settings(1_000_000, 2_000_000, 1_000_000, Duration.ofDays(3));
    }

    private final Cache<Long, TemplateBucket> buckets;
    private final Cache<Long, AccountLinks> accounts;
    private final Cache<Long, IndicatorRecord> values;
    private static final java.util.function.Function<Long, TemplateBucket> NEW_BUCKET = k -> new TemplateBucket();
    private static final java.util.function.Function<Long, AccountLinks> NEW_LINKS = k -> new AccountLinks();
    private static final java.util.function.Function<Long, IndicatorRecord> NEW_VALUE = k -> new IndicatorRecord();

    private final ConcurrentLinkedQueue<Long> changed = new ConcurrentLinkedQueue<>();
    /** Keys queued at most (a replica whose correlator never runs must not grow the queue without bound). */
    private final long maxQueued;
    private final java.util.concurrent.atomic.AtomicLong queued = new java.util.concurrent.atomic.AtomicLong();
    private final Doorkeeper firstSightings = new Doorkeeper(26);
    /** The account record of the request the calling thread is deciding: its account and indicator steps share it. */
    private final ThreadLocal<AccountLinks[]> lastLinks = ThreadLocal.withInitial(() -> new AccountLinks[1]);
    private final ThreadLocal<long[]> lastHash = ThreadLocal.withInitial(() -> new long[1]);
    private volatile double population;
    private final Clock clock;

    public InMemoryCampaignStore(Clock clock) {
        this(clock, Settings.DEFAULT);
    }

    public InMemoryCampaignStore(Clock clock, Settings settings) {
        this.buckets = cache(clock, settings.maxTemplateBuckets(), settings.idleExpiry());
        this.accounts = cache(clock, settings.maxAccounts(), settings.idleExpiry());
        this.values = cache(clock, settings.maxIndicatorValues(), settings.idleExpiry());
        this.maxQueued = settings.maxIndicatorValues();
        this.clock = clock;
    }

    /** One of the store's caches (also the single-threaded store's account cache, so both count accounts alike). */
    static <V> Cache<Long, V> cache(Clock clock, long max, Duration idle) {
        return Caffeine.newBuilder()
                .ticker(ClockTicker.of(clock))
                .maximumSize(max)
                .expireAfterAccess(idle)
                .executor(Runnable::run)
                .build();
    }

    @Override
    public TemplateStats[] observeTemplates(long accountHash, long[] keys, byte[] sketch, double minSimilarity,
                                            double content, double minContentToCreate, long atMillis) {
        return observeTemplates(firstSightings, (key, create) -> create ? buckets.get(key, NEW_BUCKET) : buckets.getIfPresent(key),
                accountHash, keys, sketch, minSimilarity, content, minContentToCreate, atMillis);
    }

    /** A template bucket by key: created if absent when {@code create}, else null when absent. */
    @FunctionalInterface
    interface Buckets {
        TemplateBucket get(long key, boolean create);
    }

    /** {@link #observeTemplates} over any bucket map (this store's and {@link SingleThreadedCampaignStore}'s). */
    static TemplateStats[] observeTemplates(Doorkeeper firstSightings, Buckets buckets, long accountHash, long[] keys,
                                            byte[] sketch, double minSimilarity, double content,
                                            double minContentToCreate, long atMillis) {
        TemplateStats[] out = new TemplateStats[keys.length];
        boolean create = content >= minContentToCreate;
        for (int i = 0; i < keys.length; i++) {
            // A bucket exists only after a harvesting-shaped request saw its key once before: most bands of a
            // prompt never recur. Other requests look only at keys such a request has seen.
            if (create ? !firstSightings.seenBefore(keys[i]) : !firstSightings.seen(keys[i])) {
                out[i] = TemplateStats.EMPTY;
                continue;
            }
            TemplateBucket bucket = buckets.get(keys[i], create);
            out[i] = bucket == null ? TemplateStats.EMPTY : bucket.apply(accountHash, sketch, minSimilarity, content, atMillis);
        }
        return out;
    }

    @Override
    public AccountState observeAccount(long accountHash, AccountObservation observation, AccountRules rules) {
        return links(accountHash).apply(observation, rules);
    }

    @Override
    public IndicatorEvidence[] observeIndicators(long accountHash, long[] keys, double suspicion, double halfLifeMillis,
                                                 long atMillis) {
        float peak = links(accountHash).peakSuspicion(suspicion, atMillis, halfLifeMillis);
        lastLinks.get()[0] = null; // the request is done with it: the next one looks the account up afresh
        IndicatorEvidence[] out = new IndicatorEvidence[keys.length];
        for (int i = 0; i < keys.length; i++) {
            long key = keys[i];
            if (key == 0) {
                continue;
            }
            IndicatorEvidence e = values.get(key, NEW_VALUE)
                    .apply(IndicatorKind.of(i), accountHash, peak);
            if (e.changed()) {
                queueChanged(key);
            }
            out[i] = e;
        }
        return out;
    }

    private void queueChanged(long key) {
        if (queued.incrementAndGet() <= maxQueued) {
            changed.add(key);
        } else {
            queued.decrementAndGet(); // full: the value keeps its last rarity (or the request path computes one)
        }
    }

    // ---- folding in the fleet's evidence (a shared store's background thread, never the request path) ----

    /**
     * Folds the fleet's sample of an indicator value into this store (see {@link IndicatorRecord#fold}),
     * creating the value if absent; a value that gained accounts is queued for the correlator.
     */
    public void foldValue(long valueKey, IndicatorKind kind, long[] hashes, float[] suspicions) {
        if (values.get(valueKey, NEW_VALUE).fold(kind, hashes, suspicions)) {
            queueChanged(valueKey);
        }
    }

    /** What this replica added to a template bucket since its last cut ({@link TemplateBucket#cut}), or null. */
    public TemplateBucket.Cut cutBucket(long key) {
        TemplateBucket b = buckets.getIfPresent(key);
        return b == null ? null : b.cut();
    }

    /** Puts back a cut that could not be shared. */
    public void restoreBucket(long key, TemplateBucket.Cut cut) {
        TemplateBucket b = buckets.getIfPresent(key);
        if (b != null) {
            b.restore(cut);
        }
    }

    /**
     * Takes the fleet's template bucket as this replica's view ({@link TemplateBucket#fold}), creating it
     * if absent: a template hot elsewhere counts from this replica's next request into it.
     */
    public void foldBucket(long key, TemplateBucket.Fleet fleet) {
        if (fleet.representative() == null) {
            return;
        }
        firstSightings.seenBefore(key);
        buckets.get(key, NEW_BUCKET).fold(fleet);
    }

    /** The account's remembered peak suspicion as last updated (0 for an account without links). */
    public float peak(long accountHash) {
        AccountLinks links = accounts.getIfPresent(accountHash);
        return links == null ? 0 : links.peak();
    }

    private AccountLinks links(long accountHash) {
        AccountLinks[] last = lastLinks.get();
        long[] hash = lastHash.get();
        if (last[0] != null && hash[0] == accountHash) {
            return last[0];
        }
        AccountLinks links = accounts.get(accountHash, NEW_LINKS);
        last[0] = links;
        hash[0] = accountHash;
        return links;
    }

    @Override
    public long[] drainChanged(int max) {
        int n = Math.min(max, changed.size());
        long[] keys = new long[n];
        int i = 0;
        Long key;
        while (i < n && (key = changed.poll()) != null) {
            keys[i++] = key;
            queued.decrementAndGet();
        }
        return i == n ? keys : java.util.Arrays.copyOf(keys, i);
    }

    @Override
    public double distinctAccounts(long valueKey) {
        IndicatorRecord r = values.getIfPresent(valueKey);
        return r == null ? Double.NaN : r.distinctAccounts();
    }

    @Override
    public void publishRarity(long valueKey, float rarity) {
        IndicatorRecord r = values.getIfPresent(valueKey);
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
    public java.util.List<SharedValue> sharedValues(int minAccounts, int max) {
        return sharedValues(values.asMap().entrySet(), buckets.asMap().entrySet(), minAccounts, max, clock);
    }

    /** {@link #sharedValues} over any value and bucket maps: values first, then buckets, up to {@code max}. */
    static java.util.List<SharedValue> sharedValues(Iterable<? extends java.util.Map.Entry<Long, IndicatorRecord>> values,
                                                    Iterable<? extends java.util.Map.Entry<Long, TemplateBucket>> buckets,
                                                    int minAccounts, int max, Clock clock) {
        java.util.List<SharedValue> out = new java.util.ArrayList<>();
        for (var e : values) {
            if (out.size() >= max) {
                return out;
            }
            SharedValue v = e.getValue().shared(e.getKey(), minAccounts);
            if (v != null) {
                out.add(v);
            }
        }
        long now = clock.millis();
        for (var e : buckets) {
            if (out.size() >= max) {
                return out;
            }
            SharedValue v = e.getValue().shared(e.getKey(), minAccounts, now);
            if (v != null) {
                out.add(v);
            }
        }
        return out;
    }
}
