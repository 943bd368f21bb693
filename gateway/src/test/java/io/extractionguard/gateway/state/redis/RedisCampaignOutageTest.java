package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.extractionguard.engine.campaign.AccountObservation;
import io.extractionguard.engine.campaign.AccountRules;
import io.extractionguard.engine.campaign.IndicatorKind;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.gateway.support.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Campaign evidence across a Redis outage (an embedded Redis this test owns): the request path keeps
 * answering from local evidence, the touched keys wait in the bounded buffer (what does not fit is
 * counted), and once Redis is back they are merged into Redis and reach the other replica's next
 * decision on the same value.
 */
class RedisCampaignOutageTest {

    private static final AccountRules RULES = new AccountRules(2, 0.25, 6);
    private final TestRedis.Owned redis = TestRedis.Owned.start();
    private final RedisTestReplicas replicas = new RedisTestReplicas(redis.url(), "campaign-outage");
    private final List<RedisCampaignStore> stores = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        stores.forEach(RedisCampaignStore::close);
        replicas.close();
        redis.stop();
    }

    private RedisCampaignStore campaignStore(RedisState state, int bufferRecords, SimpleMeterRegistry meters) {
        RedisCampaignStore store = RedisTestReplicas.campaignStore(state, bufferRecords, Duration.ofMillis(50), meters);
        stores.add(store);
        return store;
    }

    /** One account using the shared card, with full suspicion. */
    static void suspect(RedisCampaignStore store, long account, long card, long at) {
        long[] values = new long[IndicatorKind.count()];
        values[IndicatorKind.PAYMENT.ordinal()] = card;
        store.observeAccount(account, new AccountObservation(at, 1, 1, 0, 0), RULES);
        store.observeIndicators(account, values, 1, 3_600_000, at);
    }

    static double otherSuspicion(InMemoryCampaignStore store, long card, long at) {
        long[] values = new long[IndicatorKind.count()];
        values[IndicatorKind.PAYMENT.ordinal()] = card;
        return store.observeIndicators(0x7fff_0000_1234L, values, 0, 3_600_000, at)[IndicatorKind.PAYMENT.ordinal()]
                .otherSuspicion();
    }

    @Test
    void recordsMadeDuringAnOutageAreKeptLocallyBoundedAndShippedWhenRedisReturns() {
        RedisState a = replicas.start();
        SimpleMeterRegistry metersA = new SimpleMeterRegistry();
        RedisCampaignStore storeA = campaignStore(a, 10, metersA);
        long card = 0xCA4DL;
        long now = System.currentTimeMillis();

        redis.stop();
        await().atMost(Duration.ofSeconds(5)).until(() -> !a.availability().available());
        for (int i = 0; i < 8; i++) {
            suspect(storeA, 1000 + i, card, now + i);
        }
        assertThat(otherSuspicion(storeA.local(), card, now + 10)).as("served from local evidence").isEqualTo(8);
        // each account costs two notes (its records, its value), so five accounts fit; each of the other three is
        // refused three times (its records twice, its value once)
        assertThat(storeA.pending()).as("buffered, bounded").isEqualTo(10);
        assertThat(metersA.get("guard.campaign.sync.dropped").functionCounter().count()).as("counted, not silent")
                .isEqualTo(9);

        redis.startAgain();
        await().atMost(Duration.ofSeconds(10)).until(() -> a.availability().available()
                && metersA.get("guard.campaign.sync.shipped").counter().count() >= 5);
        assertThat(storeA.pending()).isZero();
        assertThat(metersA.get("guard.campaign.sync.shipped").counter().count()).as("one entry per buffered account")
                .isEqualTo(5);

        RedisState b = replicas.start();
        SimpleMeterRegistry metersB = new SimpleMeterRegistry();
        RedisCampaignStore storeB = campaignStore(b, 1000, metersB);
        long fresh = 0x7fff_0000_5678L;
        long[] values = new long[IndicatorKind.count()];
        values[IndicatorKind.PAYMENT.ordinal()] = card;
        // B's first request with the card knows nothing of it; its batch reads the card's fleet-wide sample back
        assertThat(storeB.observeIndicators(fresh, values, 0, 3_600_000, now + 20)[IndicatorKind.PAYMENT.ordinal()]
                .otherSuspicion()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> metersB.get("guard.campaign.sync.folded").counter().count() >= 1);
        assertThat(otherSuspicion(storeB.local(), card, now + 30)).as("the five accounts A could buffer").isEqualTo(5);
    }
}
