package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

import io.extractionguard.engine.campaign.AccountObservation;
import io.extractionguard.engine.campaign.AccountRules;
import io.extractionguard.engine.campaign.IndicatorKind;
import io.extractionguard.engine.campaign.Indicators;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.gateway.support.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import redis.clients.jedis.Jedis;

/**
 * Campaign batches write only what changes fleet evidence and read a value only when stale ({@link FleetKnowledge}),
 * seen by an adversary who has read docs/redis.md and knows it: evidence spread one touch per replica, a suspicion
 * rising on an account the fleet already has, a value key lost in Redis, an account moved to another replica — each
 * still reaches the other replicas' decisions. And the price of an ordinary steady state: about nothing. Replicas
 * are campaign stores on their own Redisson clients (only campaign commands reach the Redis this test owns), flushed
 * by their own threads every 100 ms.
 */
class RedisCampaignSkipsTest {

    private static final AccountRules RULES = new AccountRules(2, 0.25, 6);
    private static final long HALF_LIFE = 3_600_000;
    private final TestRedis.Owned redis = TestRedis.Owned.start();
    private final String prefix = TestRedis.uniquePrefix("campaign-skips");
    private final List<RedissonClient> clients = new ArrayList<>();
    private final List<RedisCampaignStore> stores = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        stores.forEach(RedisCampaignStore::close);
        clients.forEach(RedissonClient::shutdown);
        redis.stop();
    }

    private record Replica(RedisCampaignStore store, SimpleMeterRegistry meters) {
        double count(String meter, String... tags) {
            return meters.get(meter).tags(tags).counter().count();
        }
    }

    private Replica replica(String name, Duration valueRefresh) {
        RedissonClient client = TestRedis.client(redis.url());
        clients.add(client);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RedisKeys keys = new RedisKeys(prefix);
        RedisAvailability availability = new RedisAvailability(client, keys, Clock.systemUTC(), Duration.ofMillis(500), meters);
        RedisCampaignStore store = new RedisCampaignStore(new InMemoryCampaignStore(Clock.systemUTC()), client, keys,
                availability, name, new RedisStateProperties.Campaign(Duration.ofMillis(100), 100_000, Duration.ofHours(1),
                16, 64, valueRefresh), Duration.ofSeconds(5), Duration.ofDays(3), Clock.systemUTC(), meters);
        store.start();
        stores.add(store);
        return new Replica(store, meters);
    }

    private Replica replica(String name) {
        return replica(name, Duration.ofMinutes(10));
    }

    /** A request of {@code account} with {@code card} (and the shared client and network) at its suspicion. */
    private static double request(Replica r, long account, long card, double suspicion, long at) {
        long[] values = new long[IndicatorKind.count()];
        values[IndicatorKind.PAYMENT.ordinal()] = card;
        values[IndicatorKind.CLIENT.ordinal()] = 0xC11E47L;
        values[IndicatorKind.NETWORK.ordinal()] = 0x4E7L;
        r.store().observeAccount(account, new AccountObservation(at, suspicion, suspicion, 0xC11E47L, 0x4E7L), RULES);
        return r.store().observeIndicators(account, values, suspicion, HALF_LIFE, at)[IndicatorKind.PAYMENT.ordinal()]
                .otherSuspicion();
    }

    private static long account(String name) {
        return Indicators.accountHash(name);
    }

    @Test
    void aCampaignTouchingACardOncePerReplicaIsCountedWhole() {
        long card = 0xCA4D01L;
        long now = System.currentTimeMillis();
        List<Replica> fleet = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Replica r = replica("r" + i);
            fleet.add(r);
            // each replica: one suspect, touching the card again and again (its repeats change nothing)
            for (int n = 0; n < 5; n++) {
                request(r, account("spread-" + i), card, 1, now + n);
            }
        }
        Replica fresh = replica("fresh");
        request(fresh, account("fresh-account"), card, 0, now + 10);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(request(fresh, account("fresh-account"), card, 0, now + 20)).as("every replica's suspect")
                        .isEqualTo(4));
    }

    @Test
    void aSuspicionRisingOnAnAccountTheFleetHasReachesAReplicaWhoseCopyIsFresh() {
        long card = 0xCA4D02L;
        long now = System.currentTimeMillis();
        Replica a = replica("a");
        Replica b = replica("b");
        request(a, account("riser"), card, 0, now);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.count("guard.campaign.sync.values", "plan", "write") >= 3);
        request(b, account("watcher"), card, 0, now + 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> b.count("guard.campaign.sync.values", "plan", "write") >= 3);
        assertThat(request(b, account("watcher"), card, 0, now + 2)).isZero();

        // the riser's account is in the fleet's sample already; only its suspicion changes
        request(a, account("riser"), card, 1, now + 3);
        // b's copy is fresh (value-refresh 10 min) and its own account changes nothing: only the announcement
        // of the rise makes it read the card again on its next touch
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(request(b, account("watcher"), card, 0, System.currentTimeMillis())).isEqualTo(1));
        assertThat(b.count("guard.campaign.sync.values", "plan", "read")).as("read after the announcement").isPositive();
    }

    @Test
    void aValueKeyLostInRedisIsWrittenAgainAfterValueRefresh() {
        long card = 0xCA4D03L;
        long now = System.currentTimeMillis();
        Replica a = replica("a", Duration.ofMillis(300));
        request(a, account("suspect"), card, 1, now);
        String key = new RedisKeys(prefix).campaignValue(card);
        URI uri = URI.create(redis.url());
        try (Jedis jedis = new Jedis(uri.getHost(), uri.getPort())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> jedis.exists(key));
            jedis.del(key); // expired, evicted, lost in a failover: the fleet no longer has the suspect
            // the suspect keeps using the card with the suspicion the fleet had: nothing to write, until a read
            // shows the key empty
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                request(a, account("suspect"), card, 1, System.currentTimeMillis());
                assertThat(jedis.hget(key, CampaignScripts.hex(CampaignNotes.samplingHash(account("suspect")))))
                        .as("written again").startsWith("1.0,");
            });
        }
    }

    @Test
    void anAccountMovingToAnotherReplicaTakesTheRecordsItsFirstReplicaHeld() {
        long card = 0xCA4D04L;
        long now = System.currentTimeMillis();
        Replica a = replica("a");
        long mover = account("mover");
        request(a, mover, card, 0, now);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.count("guard.campaign.sync.shipped") >= 1);
        for (int n = 1; n <= 6; n++) {
            request(a, mover, card, 0, now + n);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> a.count("guard.campaign.sync.accounts.held") >= 1);
        assertThat(a.count("guard.campaign.sync.shipped")).as("held: no other replica serves it").isEqualTo(1);

        Replica b = replica("b");
        // b's first entry finds a's and announces the account; a ships what it held, b applies it with its next entry
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(150)).until(() -> {
            request(b, mover, card, 0, System.currentTimeMillis());
            return b.count("guard.campaign.sync.applied") >= 2 + 2 * 6;
        });
    }

    @Test
    void anOrdinarySteadyStateCostsAlmostNoRedisCommands() {
        Replica r = replica("steady");
        int accounts = 300;
        long start = System.currentTimeMillis();
        // first sight: every account announced, every card written, the shared values' samples filled
        for (int i = 0; i < accounts; i++) {
            request(r, account("steady-" + i), 0xCA4D0000L + i, 0, start + i);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> r.store().pending() == 0
                && r.count("guard.campaign.sync.shipped") >= accounts);
        URI uri = URI.create(redis.url());
        try (Jedis jedis = new Jedis(uri.getHost(), uri.getPort())) {
            jedis.configResetStat();
            int requests = 0;
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < accounts; i++) {
                    request(r, account("steady-" + i), 0xCA4D0000L + i, 0, System.currentTimeMillis());
                    requests++;
                }
                sleep(150);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> r.store().pending() == 0);
            sleep(300);
            Map<String, Long> calls = RedisCampaignSyncCostTest.commandStats(jedis);
            long all = calls.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("[measure] campaign steady state, %d requests of %d known accounts: %d Redis commands "
                    + "(%.4f per request) %s%n", requests, accounts, all, all / (double) requests, calls);
            // before: ~9 per request (a value script per card, client and network, an account script per account)
            assertThat(all / (double) requests).as("campaign Redis commands per steady-state request").isLessThan(0.02);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
