package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.extractionguard.gateway.support.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The correlation lease in a real Redis: one holder at a time, a dead holder is replaced, owners are checked. */
class RedisCorrelationLeadershipTest {

    private static final Duration LEASE = Duration.ofMillis(600);
    private final RedisTestReplicas replicas = new RedisTestReplicas(TestRedis.shared(), "leadership");

    @AfterEach
    void cleanUp() {
        replicas.close();
    }

    private RedisCorrelationLeadership lease(RedisState state, String id) {
        return new RedisCorrelationLeadership(state.client(), state.keys(), id, state.availability(), LEASE,
                Duration.ofSeconds(1), new SimpleMeterRegistry());
    }

    @Test
    void onlyTheHolderRunsADeadHolderIsReplacedAfterItsLeaseAndCannotTouchItsSuccessorsLease() throws Exception {
        RedisState state = replicas.start();
        RedisCorrelationLeadership a = lease(state, "replica-a");
        RedisCorrelationLeadership b = lease(state, "replica-b");
        AtomicInteger runsA = new AtomicInteger();
        AtomicInteger runsB = new AtomicInteger();

        // A renews every 100 ms for three leases: B never gets to run
        for (int i = 0; i < 18; i++) {
            a.runIfLeader(runsA::incrementAndGet);
            b.runIfLeader(runsB::incrementAndGet);
            Thread.sleep(100);
        }
        assertThat(runsA.get()).isEqualTo(18);
        assertThat(runsB.get()).isZero();

        // A dies (stops renewing without releasing): B takes over once A's lease has run out, not before
        long died = System.nanoTime();
        while (!b.runIfLeader(runsB::incrementAndGet)) {
            assertThat(System.nanoTime() - died).as("B takes over within two leases").isLessThan(2 * LEASE.toNanos());
            Thread.sleep(20);
        }
        assertThat(System.nanoTime() - died).as("not before A's lease ran out").isGreaterThan(LEASE.toNanos() / 2);

        // A comes back (a paused process): it neither runs nor can release B's lease
        assertThat(a.runIfLeader(runsA::incrementAndGet)).isFalse();
        a.close();
        assertThat(b.runIfLeader(runsB::incrementAndGet)).as("B still holds its lease").isTrue();
        assertThat(state.client().getBucket(state.keys().campaignLeader(), org.redisson.client.codec.StringCodec.INSTANCE)
                .get()).isEqualTo("replica-b");

        // B shuts down: the lease is free at once
        b.close();
        RedisCorrelationLeadership c = lease(state, "replica-c");
        assertThat(c.runIfLeader(() -> { })).isTrue();
        c.close();
    }
}
