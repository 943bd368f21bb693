package io.extractionguard.gateway.state.redis;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * {@code /actuator/health} component {@code sharedState}: UP while Redis answers; DEGRADED (HTTP 200,
 * so orchestrators keep the replica) while it does not and the replica serves from local state,
 * with how long, the last error and how many changes wait in the outage buffer.
 */
public final class RedisStateHealthIndicator implements HealthIndicator {

    /** Serving, but from local state only. Ordered between DOWN and UP in application.yml. */
    public static final Status DEGRADED = new Status("DEGRADED", "Redis unreachable: serving from local state");

    private final RedisAvailability availability;
    private final RedisStateStore store;

    public RedisStateHealthIndicator(RedisAvailability availability, RedisStateStore store) {
        this.availability = availability;
        this.store = store;
    }

    @Override
    public Health health() {
        Health.Builder b = availability.available() ? Health.up() : Health.status(DEGRADED)
                .withDetail("downSince", String.valueOf(availability.downSince()))
                .withDetail("lastError", availability.lastError());
        return b.withDetail("store", "redis")
                .withDetail("unwrittenChanges", store.unwritten())
                .withDetail("cachedAccounts", store.cachedAccounts())
                .withDetail("verdicts", store.verdictCount())
                .build();
    }
}
