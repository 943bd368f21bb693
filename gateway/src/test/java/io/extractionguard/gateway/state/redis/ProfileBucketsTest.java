package io.extractionguard.gateway.state.redis;

import static io.extractionguard.gateway.state.redis.RedisStateStoreTest.observation;
import static io.extractionguard.gateway.state.redis.RedisStateStoreTest.total;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RMap;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;

import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.state.ProfileCodec;
import io.extractionguard.gateway.support.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import redis.clients.jedis.Jedis;

/** Durable profile records in bucket hashes, against a real Redis: the upgrade, the write guard, the bounds. */
class ProfileBucketsTest {

    private final RedisTestReplicas replicas = new RedisTestReplicas(TestRedis.shared(), "pbuckets");

    @AfterEach
    void cleanUp() {
        replicas.close();
    }

    private static AccountProfile profileOf(int requests) {
        AccountProfile p = new AccountProfile();
        long t = System.currentTimeMillis();
        for (int i = 0; i < requests; i++) {
            p.apply(observation(t + i, i), 4, new AccountProfile());
        }
        return p;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anAccountStoredInTheOldPerAccountHashLoadsAndMovesToItsBucketOnItsNextWrite() {
        RedisState s = replicas.start();
        String account = "acct-upgrade";
        String oldKey = replicas.prefix + ":{" + account + "}:p";
        RMap<String, byte[]> old = s.client().getMap(oldKey, new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE));
        old.put("s", ProfileCodec.encode(profileOf(5)));
        old.put("d:old-replica:1", ProfileCodec.encode(profileOf(2)));
        old.put("hw:old-replica", bytes("7"));

        RedisStateStore store = s.store();
        assertThat(total(store, account)).as("not loaded yet").isZero();
        await().atMost(Duration.ofSeconds(3)).until(() -> total(store, account) == 7);
        store.observe(account, observation(System.currentTimeMillis(), 99), 4);
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() ->
                assertThat(StoredProfiles.stored(s.client(), replicas.prefix, account).totalRequests()).isEqualTo(8));
        assertThat(old.isExists()).as("the old hash is left to its own idle expiry").isTrue();

        RedisStateStore other = replicas.start().store(); // loads from the bucket now, not old ⊕ bucket
        total(other, account);
        await().atMost(Duration.ofSeconds(3)).until(() -> total(other, account) > 0);
        assertThat(total(other, account)).isEqualTo(8);
    }

    @Test
    void withLegacyReadsOffTheOldHashIsNotRead() {
        replicas.with("sync.legacy-profiles", "false");
        RedisState s = replicas.start();
        String account = "acct-no-legacy";
        s.client().getMap(replicas.prefix + ":{" + account + "}:p", new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE))
                .put("s", ProfileCodec.encode(profileOf(5)));
        s.store().observe(account, observation(System.currentTimeMillis(), 1), 4);
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() ->
                assertThat(StoredProfiles.stored(s.client(), replicas.prefix, account).totalRequests()).isEqualTo(1));
    }

    /** Runs the bucket script on {@code account}'s buckets; returns the refused indexes. */
    private List<Object> script(RedissonClient client, String account, long gen, long cutoff, byte[]... records) {
        List<Object> args = new ArrayList<>(List.of(bytes(Long.toString((gen + 2) * StoredProfiles.GENERATION_MILLIS)),
                bytes(Long.toString(cutoff)), bytes("1")));
        for (byte[] r : records) {
            args.add(bytes(account));
            args.add(r);
        }
        List<Object> keys = List.of(StoredProfiles.bucketKey(replicas.prefix, account, gen),
                StoredProfiles.bucketKey(replicas.prefix, account, gen - 1));
        return client.getScript(ByteArrayCodec.INSTANCE).eval(keys.get(0).toString(), RScript.Mode.READ_WRITE,
                RedisScripts.DURABLE_BUCKET, RScript.ReturnType.LIST, keys, args.toArray());
    }

    private static byte[] record(int requests, Map<String, DurableRecord.Mark> marks) {
        return DurableRecord.encode(profileOf(requests), marks);
    }

    @Test
    void aRecordIsRefusedWhenTheStoredOneHoldsALaterBatchOfAReplicaUnlessThatMarkIsOlderThanTheCutoff() {
        RedissonClient client = replicas.start().client();
        String account = "acct-guard";
        long now = System.currentTimeMillis();
        long gen = StoredProfiles.generationNow();
        byte[] stored = record(5, Map.of("a", new DurableRecord.Mark(10, now), "b", new DurableRecord.Mark(3, now - 3_600_000)));
        assertThat(script(client, account, gen, now - 600_000, stored)).isEmpty();

        byte[] behind = record(4, Map.of("a", new DurableRecord.Mark(9, now)));
        assertThat(script(client, account, gen, now - 600_000, behind)).as("a:9 < a:10").containsExactly(1L);
        assertThat(StoredProfiles.raw(client, replicas.prefix, account)).isEqualTo(stored);

        byte[] ahead = record(6, Map.of("a", new DurableRecord.Mark(10, now), "c", new DurableRecord.Mark(1, now)));
        assertThat(script(client, account, gen, now - 600_000, ahead)).as("b's mark is older than the cutoff").isEmpty();
        assertThat(StoredProfiles.raw(client, replicas.prefix, account)).isEqualTo(ahead);
        assertThat(script(client, account, gen, 0, behind)).as("with every mark counted").containsExactly(1L);
    }

    @Test
    void aWriteMovesTheRecordOutOfThePreviousGenerationOnlyWhenTaken() {
        RedissonClient client = replicas.start().client();
        String account = "acct-generation";
        long now = System.currentTimeMillis();
        long gen = StoredProfiles.generationNow();
        byte[] field = bytes(account);
        RMap<byte[], byte[]> prev = StoredProfiles.bucket(client, replicas.prefix, account, gen - 1);
        RMap<byte[], byte[]> cur = StoredProfiles.bucket(client, replicas.prefix, account, gen);
        byte[] old = record(5, Map.of("a", new DurableRecord.Mark(10, now)));
        prev.put(field, old);

        assertThat(script(client, account, gen, 0, record(4, Map.of("a", new DurableRecord.Mark(9, now)))))
                .as("checked against the previous generation's record").containsExactly(1L);
        assertThat(prev.get(field)).isEqualTo(old);
        assertThat(cur.isExists()).isFalse();

        byte[] next = record(6, Map.of("a", new DurableRecord.Mark(11, now)));
        assertThat(script(client, account, gen, 0, next)).isEmpty();
        assertThat(cur.get(field)).isEqualTo(next);
        assertThat(prev.containsKey(field)).as("one record per account").isFalse();
        long expected = (gen + 2) * StoredProfiles.GENERATION_MILLIS - System.currentTimeMillis();
        assertThat(cur.remainTimeToLive()).isBetween(expected - 60_000, expected + 60_000);
    }

    @Test
    void aHugeRecordIsNotWrittenAndABucketOfManyAccountsIsWrittenInBoundedCalls() {
        RedisTestReplicas own = RedisTestReplicas.onOwnRedis("pbuckets-bounds");
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            RedisState s = own.start();
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            WriteBehind writer = new WriteBehind(s.client(), s.availability(), scheduler, own.properties().sync(),
                    Duration.ofSeconds(5), meters);
            ProfileBuckets buckets = new ProfileBuckets(s.client(), s.keys(), writer, null, 1,
                    StoredProfiles.GENERATION_MILLIS, 600_000, 1_000_000_000L, meters.counter("corrupt"), meters);
            OwnChanges owners = new OwnChanges(10_000, meters);
            byte[] huge = new byte[ProfileBuckets.MAX_RECORD_BYTES + 1];
            URI uri = URI.create(own.url);
            try (Jedis jedis = new Jedis(uri.getHost(), uri.getPort())) {
                jedis.configResetStat();
                assertThat(buckets.write(owners.ownFor("attacker"), huge, 1, true)).as("refused").isFalse();
                int accounts = 300; // all in the one bucket
                byte[] ordinary = record(3, Map.of("r", new DurableRecord.Mark(1, System.currentTimeMillis())));
                for (int i = 0; i < accounts; i++) {
                    buckets.write(owners.ownFor("acct-" + i), ordinary, 1, false);
                }
                writer.flushSoon();
                String key = s.keys().profileBucket(0, StoredProfiles.generationNow());
                await().atMost(Duration.ofSeconds(5)).until(() -> jedis.hlen(key) == accounts);
                Map<String, Long> calls = RedisCampaignSyncCostTest.commandStats(jedis);
                assertThat(calls.get("evalsha")).as("calls of at most %d accounts", ProfileBuckets.MAX_FIELDS_PER_WRITE)
                        .isEqualTo((long) Math.ceilDiv(accounts, ProfileBuckets.MAX_FIELDS_PER_WRITE));
                assertThat(jedis.hexists(key, "attacker")).isFalse();
                assertThat(meters.counter("guard.state.profile_records.oversized").count()).isEqualTo(1);
            }
        } finally {
            scheduler.shutdownNow();
            own.close();
        }
    }
}
