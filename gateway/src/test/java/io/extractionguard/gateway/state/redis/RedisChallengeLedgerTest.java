package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.extractionguard.gateway.state.StoreUnavailableException;
import io.extractionguard.gateway.support.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The shared challenge ledger's guarantees, and what it does while its Redis is down. */
class RedisChallengeLedgerTest {

    private RedisTestReplicas replicas;

    @AfterEach
    void cleanUp() {
        replicas.close();
    }

    private RedisChallengeLedger ledger(RedisState state) {
        return replicas.closing(new RedisChallengeLedger(state.client(), state.keys(), state.availability(),
                Clock.systemUTC(), state.replica().value(), Duration.ofMillis(500), new SimpleMeterRegistry()));
    }

    /** Takes from the pass the way the gateway does: reserve on a worker thread when needed, then consume. */
    private static boolean take(RedisChallengeLedger ledger, String account) {
        if (ledger.needsReservation(account, Instant.now())) {
            ledger.reserve(account, Instant.now());
        }
        return ledger.consumePass(account, Instant.now());
    }

    @Test
    void aNonceIsRedeemedOnceInTheFleetAndAPassIsSharedAndBounded() {
        replicas = new RedisTestReplicas(TestRedis.shared(), "ledger");
        RedisChallengeLedger a = ledger(replicas.start());
        RedisChallengeLedger b = ledger(replicas.start());
        Instant expires = Instant.now().plusSeconds(30);
        assertThat(a.redeem("nonce-1", expires)).isTrue();
        assertThat(b.redeem("nonce-1", expires)).as("replayed on another replica").isFalse();
        assertThat(a.redeem("nonce-1", expires)).isFalse();

        a.grantPass("acct-1", 5, Instant.now().plusSeconds(30));
        await().atMost(Duration.ofSeconds(1)).until(() -> b.needsReservation("acct-1", Instant.now()));
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            admitted += take(i % 2 == 0 ? a : b, "acct-1") ? 1 : 0;
            admitted += take(b, "acct-1") ? 1 : 0;
        }
        assertThat(admitted).isEqualTo(5);
    }

    @Test
    void aReplicaThatStartsAfterAGrantStillHonoursThePassAndExpiredGrantsLeaveTheIndex() {
        replicas = new RedisTestReplicas(TestRedis.shared(), "ledger-late");
        RedisChallengeLedger a = ledger(replicas.start());
        a.grantPass("acct-expired", 3, Instant.now().plusMillis(150));
        await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> true); // it expires
        a.grantPass("acct-late", 4, Instant.now().plusSeconds(30));

        // started after both announcements were published: it can only learn of the pass from the index
        RedisChallengeLedger late = ledger(replicas.start());
        await().atMost(Duration.ofSeconds(2)).until(() -> late.needsReservation("acct-late", Instant.now()));
        int admitted = 0;
        for (int i = 0; i < 6; i++) {
            admitted += take(late, "acct-late") ? 1 : 0;
        }
        assertThat(admitted).as("the pass minus the request the granting replica holds").isEqualTo(3);
        assertThat(late.needsReservation("acct-expired", Instant.now())).isFalse();

        a.grantPass("acct-other", 2, Instant.now().plusSeconds(30)); // each grant drops expired members
        RedisState probe = replicas.start();
        assertThat(probe.client().<String>getScoredSortedSet(probe.keys().global("pass-index"),
                org.redisson.client.codec.StringCodec.INSTANCE).readAll())
                .containsExactlyInAnyOrder("acct-late", "acct-other");
    }

    @Test
    void whileRedisIsDownRedemptionsFailForTheCallerToDecideAndPassesAreHonouredWhereGranted() {
        replicas = RedisTestReplicas.onOwnRedis("ledger-outage");
        RedisState state = replicas.start();
        RedisChallengeLedger a = ledger(state);
        replicas.owned.stop();
        await().atMost(Duration.ofSeconds(5)).until(() -> !state.availability().available());

        assertThatThrownBy(() -> a.redeem("nonce-down", Instant.now().plusSeconds(30)))
                .isInstanceOf(StoreUnavailableException.class);
        assertThat(a.outageFallback().redeem("nonce-down", Instant.now().plusSeconds(30))).isTrue();
        assertThat(a.outageFallback().redeem("nonce-down", Instant.now().plusSeconds(30))).isFalse();

        a.grantPass("acct-down", 3, Instant.now().plusSeconds(30));
        assertThat(a.needsReservation("acct-down", Instant.now())).isFalse();
        int admitted = 0;
        for (int i = 0; i < 5; i++) {
            admitted += a.consumePass("acct-down", Instant.now()) ? 1 : 0;
        }
        assertThat(admitted).as("the whole pass, on the granting replica").isEqualTo(3);
    }
}
