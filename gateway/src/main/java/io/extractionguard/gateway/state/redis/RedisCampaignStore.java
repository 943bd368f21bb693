package io.extractionguard.gateway.state.redis;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.client.codec.ByteArrayCodec;
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
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Campaign evidence shared by every replica through one Redis stream ({@code {prefix}:campaign-events}).
 * Every read answers from a local {@link InMemoryCampaignStore}; every change (the request path's
 * {@code observe*} calls, the correlator's published rarity and population) is applied to it at once
 * and appended, as a compact record ({@link CampaignRecords}), to a bounded buffer. A background
 * thread ({@code guard-campaign-sync}) ships the buffer every {@code flush-interval} as one stream
 * entry per batch ({@code XADD ... MAXLEN ~ stream-max-len}); another ({@code guard-campaign-tail})
 * blocks on {@code XREAD} (at most one read per flush interval while entries arrive) and applies the
 * other replicas' batches to the local store. Every change
 * is self-contained and merges in any order (decayed counters, smallest-hash samples), so all
 * replicas converge on the same evidence. At start-up a replica replays the retained stream before
 * it serves traffic, so a restart does not forget.
 *
 * <p>Redis outage: the request path is unaffected (it never talks to Redis); records queue in the
 * buffer, beyond {@code buffer-records} they stay local and are counted
 * ({@code guard.campaign.sync.dropped}); a batch that failed is retried first once Redis answers.
 */
public final class RedisCampaignStore implements CampaignStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisCampaignStore.class);
    private static final byte[] FIELD = {'b'};

    private final InMemoryCampaignStore local;
    private final RStream<byte[], byte[]> stream;
    private final RedisAvailability availability;
    private final String replica;
    private final RedisStateProperties.Campaign settings;
    private final long timeoutMillis;
    private final CampaignRecordBuffer buffer;
    private final ScheduledExecutorService flusher;
    private final StreamTail tail;
    private final Counter shipped;
    private final Counter batches;
    private final Counter applied;
    private final Counter corrupt;
    private volatile boolean running = true;
    /** A batch whose XADD failed: sent again before anything newer. Only the flusher thread touches it. */
    private byte[] unsent;
    private int unsentRecords;

    public RedisCampaignStore(InMemoryCampaignStore local, RedissonClient client, RedisKeys keys,
                              RedisAvailability availability, String replica, RedisStateProperties.Campaign settings,
                              Duration timeout, MeterRegistry meters) {
        this.local = local;
        this.stream = client.getStream(keys.campaignEvents(), ByteArrayCodec.INSTANCE);
        this.availability = availability;
        this.replica = replica;
        this.settings = settings;
        this.timeoutMillis = timeout.toMillis();
        this.buffer = new CampaignRecordBuffer(settings.bufferRecords());
        this.shipped = Counter.builder("guard.campaign.sync.shipped")
                .description("Campaign records this replica wrote to the shared stream").register(meters);
        this.batches = Counter.builder("guard.campaign.sync.batches")
                .description("Stream entries (one XADD each) this replica wrote").register(meters);
        this.applied = Counter.builder("guard.campaign.sync.applied")
                .description("Campaign records of other replicas applied to this replica's evidence").register(meters);
        this.corrupt = Counter.builder("guard.campaign.sync.decode.errors")
                .description("Stream entries that could not be decoded and were skipped").register(meters);
        FunctionCounter.builder("guard.campaign.sync.dropped", buffer, CampaignRecordBuffer::overflowed)
                .description("Campaign records that did not fit the outage buffer: kept on this replica only")
                .register(meters);
        Gauge.builder("guard.campaign.sync.pending", buffer, CampaignRecordBuffer::size)
                .description("Campaign records waiting to be shipped to Redis").register(meters);
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "guard-campaign-sync"));
        this.tail = new StreamTail("campaign", stream, availability, new StreamMessageId(0, 0),
                settings.flushInterval(), this::applyEntry);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Starts tailing and waits until the retained stream is replayed (at most {@code replay-timeout},
     * not at all while Redis is unreachable; never on an event loop), then starts shipping.
     */
    public void start() {
        // while Redis is down there is nothing to wait for: start (fail-open) and replay when it returns
        tail.start(settings.replayTimeout());
        long period = settings.flushInterval().toMillis();
        flusher.scheduleWithFixedDelay(this::flush, period, period, TimeUnit.MILLISECONDS);
    }

    /** The local evidence (what every read answers from). */
    public InMemoryCampaignStore local() {
        return local;
    }

    /** Records waiting to be shipped. */
    public int pending() {
        return buffer.size() + unsentRecords;
    }

    // ---- request path: local at once, shipped behind ----

    @Override
    public TemplateStats[] observeTemplates(long accountHash, long[] keys, byte[] sketch, double minSimilarity,
                                            double content, double minContentToCreate, long atMillis) {
        TemplateStats[] out = local.observeTemplates(accountHash, keys, sketch, minSimilarity, content,
                minContentToCreate, atMillis);
        buffer.offer(CampaignRecords.templates(accountHash, keys, sketch, minSimilarity, content, minContentToCreate,
                atMillis));
        return out;
    }

    @Override
    public AccountState observeAccount(long accountHash, AccountObservation observation, AccountRules rules) {
        AccountState out = local.observeAccount(accountHash, observation, rules);
        buffer.offer(CampaignRecords.account(accountHash, observation, rules));
        return out;
    }

    @Override
    public IndicatorEvidence[] observeIndicators(long accountHash, long[] values, double suspicion,
                                                 double halfLifeMillis, long atMillis) {
        IndicatorEvidence[] out = local.observeIndicators(accountHash, values, suspicion, halfLifeMillis, atMillis);
        buffer.offer(CampaignRecords.indicators(accountHash, values, suspicion, halfLifeMillis, atMillis));
        return out;
    }

    // ---- correlator (the leader): reads local, publishes locally and to every replica ----

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
        buffer.offer(CampaignRecords.rarity(valueKey, rarity));
    }

    @Override
    public long accountCount() {
        return local.accountCount();
    }

    @Override
    public void publishPopulation(double accounts) {
        local.publishPopulation(accounts);
        buffer.offer(CampaignRecords.population(accounts));
    }

    @Override
    public double population() {
        return local.population();
    }

    @Override
    public List<SharedValue> sharedValues(int minAccounts, int max) {
        return local.sharedValues(minAccounts, max);
    }

    // ---- shipping ----

    /** Ships what is buffered, one XADD per batch, until the buffer is empty or Redis fails. */
    void flush() {
        try {
            while (running || unsent != null || buffer.size() > 0) {
                if (!availability.available()) {
                    return; // the heartbeat probes; the next flush after recovery sends the backlog
                }
                if (unsent == null) {
                    List<byte[]> records = buffer.take(settings.batchRecords());
                    if (records.isEmpty()) {
                        return;
                    }
                    unsent = CampaignRecords.batch(replica, records);
                    unsentRecords = records.size();
                }
                StreamAddArgs<byte[], byte[]> add = StreamAddArgs.<byte[], byte[]>entry(FIELD, unsent)
                        .trimNonStrict().maxLen(settings.streamMaxLen()).noLimit();
                try {
                    stream.addAsync(add).toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    availability.failure(e);
                    log.debug("campaign batch of {} records not shipped (retried): {}", unsentRecords, e.toString());
                    return;
                }
                availability.success();
                shipped.increment(unsentRecords);
                batches.increment();
                unsent = null;
                unsentRecords = 0;
                if (!running) {
                    continue;
                }
                if (buffer.size() < settings.batchRecords()) {
                    return; // a partial batch waits for the next interval: fewer, fuller entries
                }
            }
        } catch (RuntimeException e) {
            log.warn("campaign evidence shipping failed; retrying", e);
        }
    }

    // ---- tailing ----

    private void applyEntry(StreamMessageId id, Map<byte[], byte[]> fields) {
        for (byte[] batch : fields.values()) {
            try {
                if (!replica.equals(CampaignRecords.replicaOf(batch))) {
                    applied.increment(CampaignRecords.apply(batch, local));
                }
            } catch (RuntimeException e) {
                corrupt.increment();
                log.warn("campaign stream entry {} skipped: {}", id, e.getMessage());
            }
        }
    }

    /** Ships what is buffered (waiting up to {@code timeout}), then stops both threads. */
    public void close(Duration timeout) {
        running = false;
        flusher.shutdown();
        try {
            flusher.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush(); // what is left, on the closing thread (never an event loop)
        if (pending() > 0) {
            log.warn("campaign evidence: {} records not shipped at shutdown", pending());
        }
        tail.stop(timeoutMillis);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
