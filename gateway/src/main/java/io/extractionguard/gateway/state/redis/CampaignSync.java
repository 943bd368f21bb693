package io.extractionguard.gateway.state.redis;

import static io.extractionguard.gateway.state.redis.CampaignReplies.foldBucket;
import static io.extractionguard.gateway.state.redis.CampaignReplies.foldValue;
import static io.extractionguard.gateway.state.redis.CampaignReplies.payload;
import static io.extractionguard.gateway.state.redis.CampaignReplies.string;
import static io.extractionguard.gateway.state.redis.CampaignScripts.bytes;
import static io.extractionguard.gateway.state.redis.CampaignScripts.hex;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.extractionguard.engine.campaign.IndicatorRecord;
import io.extractionguard.engine.campaign.TemplateBucket;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.gateway.state.redis.CampaignNotes.ValueNote;

/**
 * The campaign evidence batch ({@link RedisCampaignStore}): every {@code flush-interval}, on thread
 * {@code guard-campaign-sync}, one pipelined batch of the keys noted since the last ({@link CampaignNotes}),
 * one script per key ({@link CampaignScripts}); each reply, the key's fleet-wide state, is folded into the
 * local store ({@link CampaignReplies}), other replicas' account records are applied. Also reads the
 * fleet's active accounts (HyperLogLog of the last three days) at most every 30 s. A batch that was not
 * sent puts back what it took, for the next.
 */
final class CampaignSync {

    /** The store's logger, so operators' log settings for campaign sync stay as they were. */
    private static final Logger log = LoggerFactory.getLogger(RedisCampaignStore.class);
    private static final long DAY_MS = 86_400_000L;

    private final InMemoryCampaignStore local;
    private final RedissonClient client;
    private final RedisKeys keys;
    private final RedisAvailability availability;
    private final String replica;
    private final RedisStateProperties.Campaign settings;
    private final long timeoutMillis;
    private final long valueTtlMillis;
    private final Clock clock;
    private final CampaignNotes notes;
    private final CampaignSyncMetrics metrics;
    private final ScheduledExecutorService flusher;
    /** Per account, the last stream entry this replica has seen (exclusive start of its next read). */
    private final Cache<Long, String> cursors;
    /** What the fleet's keys hold as far as this replica knows: what to write, what to read. */
    private final FleetKnowledge fleet;
    private volatile RTopic nudges;
    private volatile double fleetAccounts;
    private volatile long fleetAccountsReadAt = Long.MIN_VALUE;

    CampaignSync(InMemoryCampaignStore local, RedissonClient client, RedisKeys keys, RedisAvailability availability,
                 String replica, RedisStateProperties.Campaign settings, long timeoutMillis, long valueTtlMillis,
                 Clock clock, CampaignNotes notes, CampaignSyncMetrics metrics) {
        this.local = local;
        this.client = client;
        this.keys = keys;
        this.availability = availability;
        this.replica = replica;
        this.settings = settings;
        this.timeoutMillis = timeoutMillis;
        this.valueTtlMillis = valueTtlMillis;
        this.clock = clock;
        this.notes = notes;
        this.metrics = metrics;
        this.fleet = new FleetKnowledge(settings.valueRefresh(), valueTtlMillis, settings.accountRetention(),
                settings.accountBatchRecords());
        this.cursors = Caffeine.newBuilder().executor(Runnable::run).maximumSize(1_000_000).expireAfterAccess(settings.accountRetention()).build();
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "guard-campaign-sync");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the batches (every {@code flush-interval}, on thread {@code guard-campaign-sync}). */
    void start() {
        try {
            RTopic t = client.getTopic(keys.campaignNudges(), StringCodec.INSTANCE);
            RedisTopics.listen(t, String.class, (channel, message) -> nudged(message), fleet::everythingStale, availability);
            nudges = t;
        } catch (RuntimeException e) {
            availability.failure(e);
        }
        long period = settings.flushInterval().toMillis();
        flusher.scheduleWithFixedDelay(this::flush, period, period, TimeUnit.MILLISECONDS);
    }

    /** Another replica announced a value whose sample gained suspicion, or an account it started serving. */
    private void nudged(String message) {
        if (message.length() != 17) {
            return;
        }
        long hash = Long.parseUnsignedLong(message, 1, 17, 16);
        switch (message.charAt(0)) {
            case 'v' -> fleet.staleValue(hash);
            case 'a' -> {
                // ship what was held for it with the next batch, touched here again or not
                fleet.sharedAccount(hash);
                List<byte[]> held = fleet.takeHeld(hash);
                if (held != null) {
                    held.forEach(rec -> notes.noteAccount(hash, rec));
                }
            }
            default -> {
            }
        }
    }

    /** Runs a batch on the sync thread and waits for it (a listing, so it includes what was just touched). */
    void flushNow(long waitMillis) throws InterruptedException, ExecutionException, TimeoutException {
        flusher.submit(this::flush).get(waitMillis, TimeUnit.MILLISECONDS);
    }

    /** The fleet's active accounts as last read (0 before the first read). */
    double fleetAccounts() {
        return fleetAccounts;
    }

    /** Stops the sync thread (waiting up to {@code timeout} for a running batch), then sends what waits. */
    void close(Duration timeout) {
        RedisTopics.unsubscribe(nudges, "campaign nudges");
        flusher.shutdown();
        try {
            flusher.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush();
    }

    /** One pipelined batch of everything touched since the last one (the sync thread; tests call it directly). */
    void flush() {
        try {
            if (!availability.available()) {
                return; // the heartbeat probes; the first batch after recovery sends what waited
            }
            CampaignNotes.Touched touched = notes.take();
            if (touched.isEmpty()) {
                return;
            }
            send(touched.values(), touched.buckets(), touched.accounts());
        } catch (RuntimeException e) {
            log.warn("campaign evidence batch failed; retrying with the next", e);
        }
    }

    private void send(Map<Long, Map<Long, ValueNote>> byValue, Map<Long, Boolean> touchedBuckets,
                      Map<Long, List<byte[]>> touchedAccounts) {
        RBatch batch = client.createBatch(BatchOptions.defaults().responseTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .retryAttempts(0));
        List<Runnable> onFailure = new ArrayList<>();
        List<CompletableFuture<?>> parts = new ArrayList<>();
        String sample = Integer.toString(IndicatorRecord.SAMPLE);
        String valueTtl = Long.toString(valueTtlMillis);

        long now = clock.millis();
        String nudges = keys.campaignNudges();
        for (var e : byValue.entrySet()) {
            long value = e.getKey();
            FleetKnowledge.ValuePlan plan = fleet.plan(value, e.getValue(), now);
            String redisKey = keys.campaignValue(value);
            if (plan instanceof FleetKnowledge.Write(List<ValueNote> writes)) {
                List<Object> args = new ArrayList<>(5 + 2 * writes.size());
                args.add(bytes(valueTtl));
                args.add(bytes(sample));
                args.add(bytes(Integer.toString(writes.getFirst().kind())));
                args.add(bytes(nudges));
                args.add(bytes(hex(value)));
                for (ValueNote note : writes) {
                    args.add(bytes(hex(CampaignNotes.samplingHash(note.account()))));
                    args.add(bytes(note.suspicion() + "," + note.atMillis()));
                }
                parts.add(CampaignScripts.eval(batch, redisKey, CampaignScripts.VALUE, args)
                        .thenAccept(r -> foldValueReply(value, r, now, true)));
                metrics.valueWrites.increment();
                onFailure.add(() -> {
                    fleet.forgetValue(value);
                    e.getValue().values().forEach(notes::noteValue);
                });
            } else {
                if (plan == FleetKnowledge.READ) {
                    parts.add(CampaignScripts.readAll(batch, redisKey).thenAccept(r -> foldValueReply(value, r, now, false)));
                    metrics.valueReads.increment();
                } else {
                    metrics.valueSkips.increment();
                }
            }
        }

        String bucketSample = Integer.toString(TemplateBucket.SAMPLE);
        for (var e : touchedBuckets.entrySet()) {
            long key = e.getKey();
            TemplateBucket.Cut cut = local.cutBucket(key);
            String redisKey = keys.campaignBucket(key);
            if (cut != null) {
                List<Object> args = new ArrayList<>(8 + cut.accounts().length);
                args.add(bytes(valueTtl));
                args.add(bytes(bucketSample));
                args.add(bytes(Long.toString(cut.atMillis())));
                args.add(bytes(Double.toString(cut.requests())));
                args.add(bytes(Double.toString(cut.content())));
                args.add(bytes(Double.toString(cut.repeats())));
                args.add(bytes(cut.matched() ? "1" : ""));
                args.add(cut.representative());
                for (long a : cut.accounts()) {
                    args.add(bytes(hex(a)));
                }
                parts.add(CampaignScripts.eval(batch, redisKey, CampaignScripts.BUCKET, args).thenAccept(r -> foldBucketReply(key, r)));
                onFailure.add(() -> local.restoreBucket(key, cut));
            } else if (e.getValue()) {
                parts.add(CampaignScripts.readAll(batch, redisKey).thenAccept(r -> foldBucketReply(key, r)));
            }
            onFailure.add(() -> notes.noteBucket(key, e.getValue()));
        }

        String accountTtl = Long.toString(settings.accountRetention().toMillis());
        List<Long> written = new ArrayList<>(touchedAccounts.size());
        byte[] ownHeader = CampaignRecords.header(replica);
        String maxEntries = Integer.toString(settings.accountEntries());
        for (var e : touchedAccounts.entrySet()) {
            long account = e.getKey();
            List<byte[]> records = fleet.accountRecords(account, e.getValue());
            if (records == null) {
                metrics.accountsHeld.increment();
                continue;
            }
            written.add(account);
            fleet.wroteAccount(account, now);
            String cursor = cursors.getIfPresent(account);
            parts.add(CampaignScripts.eval(batch, keys.campaignAccount(account), CampaignScripts.ACCOUNT,
                    List.of(bytes(accountTtl), bytes(maxEntries), bytes(cursor == null ? "-" : "(" + cursor),
                            CampaignRecords.batch(replica, records), ownHeader, bytes(nudges), bytes(hex(account))))
                    .thenAccept(r -> {
                        applyAccount(account, r);
                        metrics.accountBytes.increment(payload(r));
                    }));
            onFailure.add(() -> {
                fleet.unwrittenAccount(account);
                records.forEach(rec -> notes.noteAccount(account, rec));
            });
        }

        List<Object> hashes = new ArrayList<>();
        for (long account : touchedAccounts.keySet()) {
            if (fleet.addToDay(account, now)) {
                hashes.add(bytes(hex(account)));
                onFailure.add(() -> fleet.notAddedToDay(account));
            }
        }
        if (!hashes.isEmpty()) {
            String day = keys.campaignAccounts(now / DAY_MS);
            parts.add(batch.getHyperLogLog(day, ByteArrayCodec.INSTANCE).addAllAsync(hashes).toCompletableFuture());
            parts.add(batch.getKeys().expireAsync(day, 4 * DAY_MS, TimeUnit.MILLISECONDS).toCompletableFuture());
        }
        boolean readPopulation = fleetAccountsReadAt == Long.MIN_VALUE || now - fleetAccountsReadAt >= 30_000;
        if (readPopulation) {
            long today = now / DAY_MS;
            parts.add(batch.getHyperLogLog(keys.campaignAccounts(today), ByteArrayCodec.INSTANCE)
                    .countWithAsync(keys.campaignAccounts(today - 1), keys.campaignAccounts(today - 2))
                    .toCompletableFuture().thenAccept(c -> {
                        fleetAccounts = c;
                        fleetAccountsReadAt = now;
                    }));
        }

        if (parts.isEmpty()) {
            return; // every touched key was already known to the fleet
        }
        try {
            batch.executeAsync().toCompletableFuture().get(timeoutMillis * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            onFailure.forEach(Runnable::run);
            return;
        } catch (Exception e) {
            availability.failure(e);
            log.debug("campaign evidence batch not sent (kept for the next): {}", e.toString());
            onFailure.forEach(Runnable::run);
            return;
        }
        availability.success();
        metrics.shipped.increment(written.size());
        metrics.batches.increment();
        for (CompletableFuture<?> part : parts) {
            // sent: a part that failed (a reply that does not decode) is counted and dropped, not retried
            part.exceptionally(e -> {
                metrics.corrupt.increment();
                log.warn("campaign evidence reply skipped: {}", e.toString());
                return null;
            });
        }
    }

    private void foldValueReply(long value, Object reply, long now, boolean written) {
        CampaignReplies.Sample sample = foldValue(local, value, reply);
        fleet.answered(value, sample.hashes(), sample.suspicions(), now, written);
        metrics.folded.increment();
        metrics.valueBytes.increment(payload(reply));
    }

    private void foldBucketReply(long key, Object reply) {
        foldBucket(local, key, reply);
        metrics.folded.increment();
        metrics.bucketBytes.increment(payload(reply));
    }

    /** Applies the other replicas' records among the account's entries after the cursor; moves the cursor. */
    private void applyAccount(long account, Object reply) {
        List<?> flat = (List<?>) reply;
        String last = null;
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            last = string(flat.get(i));
            byte[] batch = (byte[]) flat.get(i + 1);
            try {
                if (batch.length > 0 && !replica.equals(CampaignRecords.replicaOf(batch))) {
                    fleet.sharedAccount(account);
                    metrics.applied.increment(CampaignRecords.apply(batch, local));
                }
            } catch (RuntimeException e) {
                metrics.corrupt.increment();
                log.warn("campaign account entry {} skipped: {}", last, e.getMessage());
            }
        }
        if (last != null) {
            cursors.put(account, last);
        }
    }
}
