package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
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
 * answering from local evidence, records wait in the bounded buffer (what does not fit is counted),
 * and once Redis is back they are shipped and reach the other replica.
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
        RedisStateProperties.Campaign settings = new RedisStateProperties.Campaign(Duration.ofMillis(50), 100,
                bufferRecords, 1000, Duration.ofSeconds(5), Duration.ofSeconds(10));
        RedisCampaignStore store = new RedisCampaignStore(new InMemoryCampaignStore(Clock.systemUTC()), state.client(),
                state.keys(), state.availability(), state.replica().value(), settings, Duration.ofMillis(500), meters);
        store.start();
        stores.add(store);
        return store;
    }

    /** One account using the shared card, with full suspicion. */
    private static void suspect(RedisCampaignStore store, long account, long card, long at) {
        long[] values = new long[IndicatorKind.count()];
        values[IndicatorKind.PAYMENT.ordinal()] = card;
        store.observeAccount(account, new AccountObservation(at, 1, 1, 0, 0), RULES);
        store.observeIndicators(account, values, 1, 3_600_000, at);
    }

    private static double otherSuspicion(InMemoryCampaignStore store, long card, long at) {
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
        assertThat(storeA.pending()).as("buffered, bounded").isEqualTo(10);
        assertThat(metersA.get("guard.campaign.sync.dropped").functionCounter().count()).as("counted, not silent")
                .isEqualTo(6);

        redis.startAgain();
        await().atMost(Duration.ofSeconds(10)).until(() -> a.availability().available() && storeA.pending() == 0);
        assertThat(metersA.get("guard.campaign.sync.shipped").counter().count()).isEqualTo(10);

        RedisState b = replicas.start();
        SimpleMeterRegistry metersB = new SimpleMeterRegistry();
        RedisCampaignStore storeB = campaignStore(b, 1000, metersB);
        assertThat(metersB.get("guard.campaign.sync.applied").counter().count()).as("replayed at start").isEqualTo(10);
        // the ten buffered records are the first five accounts' two changes each
        assertThat(otherSuspicion(storeB.local(), card, now + 10)).isEqualTo(5);
    }
}
