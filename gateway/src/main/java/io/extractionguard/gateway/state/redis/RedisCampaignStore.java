package io.extractionguard.gateway.state.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.engine.campaign.AccountObservation;
import io.extractionguard.engine.campaign.AccountRules;
import io.extractionguard.engine.campaign.AccountState;
import io.extractionguard.engine.spi.CampaignStore;
import io.extractionguard.engine.campaign.IndicatorEvidence;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.engine.campaign.SharedValue;
import io.extractionguard.engine.campaign.TemplateStats;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Campaign evidence of a fleet, partitioned in Redis by what it is about: one key per indicator value
 * ({@code {prefix}:{cv:HEX}}: the bottom-k sample of accounts seen with it and their suspicion), per
 * template bucket ({@code {prefix}:{ct:HEX}}: representative, sample, decayed counters) and per account
 * ({@code {prefix}:{ca:HEX}}: a short stream of its recent account and suspicion records). Each key is
 * its own hash tag, so Redis Cluster spreads them over its shards, and each is written and read by a
 * one-key script.
 *
 * <p>Every read of the request path answers from a local {@link InMemoryCampaignStore}, updated at
 * once; the request also notes which keys it touched. Every {@code flush-interval} the thread
 * {@code guard-campaign-sync} sends one pipelined batch: for each touched value its accounts' latest
 * suspicion, for each touched bucket what this replica added since the last batch, for each touched
 * account its records. Each script merges (bottom-k samples, decayed sums: the same merges as the
 * engine) and answers with the key's fleet-wide state, which is folded into the local store
 * ({@link InMemoryCampaignStore#foldValue}, {@link InMemoryCampaignStore#foldBucket}, the other
 * replicas' account records applied). So a replica reads only what its own traffic touches: its CPU,
 * memory and Redis commands follow its own requests, not the fleet's; evidence written on another
 * replica reaches its decisions within about two flush intervals of that replica's request (the
 * writer's batch, then the next batch here that touches the key). Rarity is computed by each
 * replica's correlator for the values its traffic touched, against the fleet's active accounts (a
 * HyperLogLog per day, {@code {prefix}:{campaign-accounts}:DAY}); no replica leads.
 *
 * <p>Redis outage: the request path is unaffected; what was touched waits (at most
 * {@code buffer-records} notes; beyond that they stay local only and are counted in
 * {@code guard.campaign.sync.dropped}) and goes with the first batch after recovery.
 *
 * <p>This class is the {@link CampaignStore} that wires the parts: {@link CampaignNotes} (the touched
 * keys), {@link CampaignSync} (the batch, its scripts {@link CampaignScripts} and reply folding
 * {@link CampaignReplies}), {@link CampaignListings} (the operators' fleet-wide listing) and
 * {@link CampaignSyncMetrics}.
 */
public final class RedisCampaignStore implements CampaignStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisCampaignStore.class);

    private final InMemoryCampaignStore local;
    private final CampaignNotes notes;
    private final CampaignSync sync;
    private final CampaignListings listings;

    public RedisCampaignStore(InMemoryCampaignStore local, RedissonClient client, RedisKeys keys,
                              RedisAvailability availability, String replica, RedisStateProperties.Campaign settings,
                              Duration timeout, Duration idleExpiry, Clock clock, MeterRegistry meters) {
        this.local = local;
        this.notes = new CampaignNotes(settings.bufferRecords(), settings.accountBatchRecords());
        this.sync = new CampaignSync(local, client, keys, availability, replica, settings, timeout.toMillis(),
                idleExpiry.toMillis(), clock, notes, new CampaignSyncMetrics(meters, notes));
        this.listings = new CampaignListings(local, client, keys, availability, timeout.toMillis(), clock, sync);
    }

    /** Starts the batches (every {@code flush-interval}, on thread {@code guard-campaign-sync}). */
    public void start() {
        sync.start();
    }

    /** One pipelined batch of everything touched since the last one (the sync thread; tests call it directly). */
    void flush() {
        sync.flush();
    }

    /** The local evidence (what every read answers from). */
    public InMemoryCampaignStore local() {
        return local;
    }

    /** Touched keys waiting for the next batch. */
    public int pending() {
        return notes.pending().get();
    }

    // ---- request path: local at once, keys noted for the next batch ----

    @Override
    public TemplateStats[] observeTemplates(long accountHash, long[] keys, byte[] sketch, double minSimilarity,
                                            double content, double minContentToCreate, long atMillis) {
        TemplateStats[] out = local.observeTemplates(accountHash, keys, sketch, minSimilarity, content,
                minContentToCreate, atMillis);
        boolean creating = content >= minContentToCreate;
        for (long key : keys) {
            notes.noteBucket(key, creating);
        }
        return out;
    }

    @Override
    public AccountState observeAccount(long accountHash, AccountObservation observation, AccountRules rules) {
        AccountState out = local.observeAccount(accountHash, observation, rules);
        notes.noteAccount(accountHash, CampaignRecords.account(accountHash, observation, rules));
        return out;
    }

    @Override
    public IndicatorEvidence[] observeIndicators(long accountHash, long[] valueKeys, double suspicion,
                                                 double halfLifeMillis, long atMillis) {
        IndicatorEvidence[] out = local.observeIndicators(accountHash, valueKeys, suspicion, halfLifeMillis, atMillis);
        float peak = local.peak(accountHash);
        for (int i = 0; i < valueKeys.length; i++) {
            if (valueKeys[i] != 0) {
                notes.noteValue(new CampaignNotes.ValueNote(valueKeys[i], i, accountHash, peak, atMillis));
            }
        }
        // the account's peak, for the replicas that serve it too (a value-less indicator record)
        notes.noteAccount(accountHash, CampaignRecords.indicators(accountHash, new long[0], suspicion, halfLifeMillis,
                atMillis));
        return out;
    }

    // ---- correlator: this replica's values, against the fleet's population ----

    @Override
    public long[] drainChanged(int max) {
        return local.drainChanged(max);
    }

    @Override
    public double distinctAccounts(long valueKey) {
        return local.distinctAccounts(valueKey);
    }

    @Override
    public void publishRarity(long valueKey, float rarity) {
        local.publishRarity(valueKey, rarity);
    }

    /** Active accounts: the fleet's (HyperLogLog of the last three days) or this replica's, whichever is larger. */
    @Override
    public long accountCount() {
        return Math.max(local.accountCount(), (long) sync.fleetAccounts());
    }

    @Override
    public void publishPopulation(double accounts) {
        local.publishPopulation(accounts);
    }

    @Override
    public double population() {
        return local.population();
    }

    /** For operators, never the request path: the fleet's values ({@link CampaignListings}), or this replica's. */
    @Override
    public List<SharedValue> sharedValues(int minAccounts, int max) {
        return listings.sharedValues(minAccounts, max);
    }

    /** Sends what is waiting (on the closing thread, never an event loop), then stops the sync thread. */
    public void close(Duration timeout) {
        sync.close(timeout);
        if (pending() > 0) {
            log.warn("campaign evidence: {} touched keys not sent at shutdown", pending());
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
