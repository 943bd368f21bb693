package io.extractionguard.gateway.state.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.engine.campaign.SharedValue;
import io.extractionguard.engine.memory.InMemoryCampaignStore;

/**
 * For operators (the listing's worker thread, never the request path): the fleet's values and buckets,
 * read from Redis (a scan of up to {@value #LISTING_SCAN} of their keys) into a throw-away local store, so
 * every replica lists the same; this replica's own evidence while Redis is unreachable. What this replica
 * touched since its last batch is sent first (on the sync thread), so the listing includes it.
 */
final class CampaignListings {

    /** The store's logger, so operators' log settings for campaign listings stay as they were. */
    private static final Logger log = LoggerFactory.getLogger(RedisCampaignStore.class);

    static final int LISTING_SCAN = 200_000;

    private final InMemoryCampaignStore local;
    private final RedissonClient client;
    private final RedisKeys keys;
    private final RedisAvailability availability;
    private final long timeoutMillis;
    private final Clock clock;
    private final CampaignSync sync;

    CampaignListings(InMemoryCampaignStore local, RedissonClient client, RedisKeys keys, RedisAvailability availability,
                     long timeoutMillis, Clock clock, CampaignSync sync) {
        this.local = local;
        this.client = client;
        this.keys = keys;
        this.availability = availability;
        this.timeoutMillis = timeoutMillis;
        this.clock = clock;
        this.sync = sync;
    }

    List<SharedValue> sharedValues(int minAccounts, int max) {
        if (!availability.available()) {
            return local.sharedValues(minAccounts, max);
        }
        try {
            sync.flushNow(timeoutMillis * 4);
            if (!availability.available()) {
                // the flush's batch failed or timed out (it keeps its records for the next): Redis lacks what this
                // replica touched last, so a fleet listing read now would silently leave it out
                return local.sharedValues(minAccounts, max);
            }
            InMemoryCampaignStore fleet = new InMemoryCampaignStore(clock, new InMemoryCampaignStore.Settings(
                    LISTING_SCAN, LISTING_SCAN, LISTING_SCAN, Duration.ofDays(365)));
            scan(keys.campaignValue(0).replace("0000000000000000", "*"),
                    (key, reply) -> CampaignReplies.foldValue(fleet, key, reply));
            scan(keys.campaignBucket(0).replace("0000000000000000", "*"),
                    (key, reply) -> CampaignReplies.foldBucket(fleet, key, reply));
            return fleet.sharedValues(minAccounts, max);
        } catch (Exception e) {
            availability.failure(e);
            log.warn("campaign listing read this replica's evidence only: {}", e.toString());
            return local.sharedValues(minAccounts, max);
        }
    }

    /** Reads every key matching {@code pattern} (up to the scan bound), 500 per pipelined batch. */
    private void scan(String pattern, BiConsumer<Long, List<Object>> fold) throws Exception {
        List<String> chunk = new ArrayList<>(500);
        int seen = 0;
        for (String key : client.getKeys().getKeysByPattern(pattern, 1000)) {
            chunk.add(key);
            if (++seen >= LISTING_SCAN) {
                break;
            }
            if (chunk.size() == 500) {
                readChunk(chunk, fold);
                chunk.clear();
            }
        }
        readChunk(chunk, fold);
    }

    private void readChunk(List<String> chunk, BiConsumer<Long, List<Object>> fold) throws Exception {
        if (chunk.isEmpty()) {
            return;
        }
        RBatch batch = client.createBatch(BatchOptions.defaults().responseTimeout(timeoutMillis, TimeUnit.MILLISECONDS));
        List<CompletableFuture<List<Object>>> replies = new ArrayList<>(chunk.size());
        chunk.forEach(k -> replies.add(CampaignScripts.readAll(batch, k)));
        batch.executeAsync().toCompletableFuture().get(timeoutMillis * 4, TimeUnit.MILLISECONDS);
        for (int i = 0; i < chunk.size(); i++) {
            String key = chunk.get(i);
            fold.accept(Long.parseUnsignedLong(key.substring(key.length() - 17, key.length() - 1), 16), replies.get(i).get());
        }
    }
}
