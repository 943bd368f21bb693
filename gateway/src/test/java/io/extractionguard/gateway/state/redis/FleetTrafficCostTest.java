package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.RespCountingProxy;
import io.extractionguard.gateway.support.TestRedis;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The fleet simulation of docs/redis.md, small enough for CI: one gateway replica takes its own
 * traffic (20 requests/s) while a {@link SyntheticFleet} writes campaign evidence through the
 * replicas' own writer into the same Redis at 1× and then 20× that rate. What the replica does for
 * it per own request must not grow with the fleet's traffic: records of other replicas applied
 * (none: the synthetic fleet's accounts are not the replica's), and the Redis commands and bytes the
 * replica exchanges (counted by a proxy between it and Redis), within 1.5× + a small constant of the
 * 1× figure. Counts, not CPU, so the assertion holds on a loaded 2-core machine. Before issue 21
 * (every replica applied every record) the applied records grew 10× from 1× to 10× and the bytes
 * read 2.4×.
 */
class FleetTrafficCostTest {

    private static final double OWN_RATE = 20;

    record Phase(double applied, double commands, double bytesOut, double bytesIn, double own) {
    }

    @Test
    void aReplicasCampaignWorkPerOwnRequestDoesNotGrowWithTheFleetsTraffic() throws Exception {
        URI redis = URI.create(TestRedis.shared());
        String prefix = TestRedis.uniquePrefix("fleet-cost");
        RedissonClient fleetClient = TestRedis.client(TestRedis.shared());
        try (RespCountingProxy proxy = new RespCountingProxy(0, redis.getHost(), redis.getPort());
             GatewayInstance replica = GatewayInstance.redis("redis://127.0.0.1:" + proxy.port(), prefix, Map.of());
             OwnTraffic own = new OwnTraffic("http://127.0.0.1:" + replica.port(), OWN_RATE)) {
            Thread.sleep(4_000); // first sight of the own accounts, leases, connections
            Phase one = phase(replica, proxy, own, fleetClient, prefix, 1);
            Phase twenty = phase(replica, proxy, own, fleetClient, prefix, 20);
            System.out.printf("[measure] fleet traffic cost per own request: 1x %s; 20x %s%n", one, twenty);
            MeterRegistry meters = replica.bean(MeterRegistry.class);
            for (String kind : new String[] {"value", "bucket", "account"}) {
                System.out.printf("[measure] campaign reply payload, %s keys: %.0f bytes in all%n", kind,
                        meters.get("guard.campaign.sync.reply.bytes").tag("key", kind).counter().count());
            }
            assertThat(one.own()).as("own requests answered").isGreaterThan(50);
            assertThat(twenty.applied()).as("other replicas' records applied per own request").isLessThanOrEqualTo(one.applied());
            assertThat(twenty.commands()).as("Redis commands per own request").isLessThanOrEqualTo(one.commands() * 1.5 + 0.5);
            assertThat(twenty.bytesIn()).as("bytes read from Redis per own request").isLessThanOrEqualTo(one.bytesIn() * 1.5 + 500);
            assertThat(twenty.bytesOut()).as("bytes sent to Redis per own request").isLessThanOrEqualTo(one.bytesOut() * 1.5 + 500);
        } finally {
            fleetClient.getKeys().deleteByPattern(prefix + ":*");
            fleetClient.shutdown();
        }
    }

    /** Six seconds with the synthetic fleet writing at {@code multiplier} × the own rate (after two to warm up). */
    private static Phase phase(GatewayInstance replica, RespCountingProxy proxy, OwnTraffic own, RedissonClient client,
                               String prefix, int multiplier) throws InterruptedException {
        try (SyntheticFleet fleet = new SyntheticFleet(client, new RedisKeys(prefix), "fleet-" + multiplier,
                OWN_RATE * multiplier, multiplier)) {
            Thread.sleep(2_000);
            double applied = applied(replica);
            long commands = proxy.commands();
            long out = proxy.bytesToRedis();
            long in = proxy.bytesFromRedis();
            long answered = own.answered();
            Thread.sleep(6_000);
            double n = Math.max(1, own.answered() - answered);
            return new Phase((applied(replica) - applied) / n, (proxy.commands() - commands) / n,
                    (proxy.bytesToRedis() - out) / n, (proxy.bytesFromRedis() - in) / n, n);
        }
    }

    private static double applied(GatewayInstance replica) {
        return replica.bean(MeterRegistry.class).get("guard.campaign.sync.applied").counter().count();
    }
}
