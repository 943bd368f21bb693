package io.extractionguard.gateway.state.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.gateway.observe.AccountNames;
import io.extractionguard.gateway.observe.RecentDecisions;

/**
 * The fleet's recently decided accounts, by campaign hash, in one Redis hash per hour
 * ({@code {prefix}:{account-names}:<hour>}, field: the hash in hex, value: the account id; expiring
 * after two hours): every {@code publish} interval each replica adds the accounts it decided that
 * are not yet in the current hour's hash. A listing resolves hashes against this replica's recent
 * decisions and this hour's and the last hour's hash, so any replica shows the same names (another
 * replica's within a publish interval). Account ids only: never keys or prompts.
 */
public final class RedisAccountNames implements AccountNames, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisAccountNames.class);
    private static final long HOUR_MS = Duration.ofHours(1).toMillis();

    private final RedissonClient client;
    private final RedisKeys keys;
    private final RecentDecisions recent;
    private final Clock clock;
    private final long timeoutMillis;
    private final ScheduledExecutorService thread;
    private final Set<String> published = new HashSet<>();
    private long publishedHour = -1;

    public RedisAccountNames(RedissonClient client, RedisKeys keys, RecentDecisions recent, Clock clock, Duration publish,
                             Duration timeout) {
        this.client = client;
        this.keys = keys;
        this.recent = recent;
        this.clock = clock;
        this.timeoutMillis = timeout.toMillis();
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "guard-account-names");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::publish, publish.toMillis(), publish.toMillis(), TimeUnit.MILLISECONDS);
    }

    private RMap<String, String> hour(long hour) {
        return client.getMap(keys.global("{account-names}:" + hour), StringCodec.INSTANCE);
    }

    /** Adds the accounts decided here that this hour's hash does not have yet. */
    void publish() {
        long hour = clock.millis() / HOUR_MS;
        if (hour != publishedHour) {
            published.clear();
            publishedHour = hour;
        }
        Map<String, String> fresh = new HashMap<>();
        for (String id : recent.accounts()) {
            if (!published.contains(id)) {
                fresh.put(Long.toHexString(AccountNames.hash(id)), id);
            }
        }
        if (fresh.isEmpty()) {
            return;
        }
        try {
            RMap<String, String> map = hour(hour);
            map.putAllAsync(fresh).toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
            map.expireAsync(Duration.ofHours(2)).toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
            published.addAll(fresh.values());
        } catch (Exception e) {
            log.debug("account names not published to Redis: {}", e.getMessage()); // the next pass tries again
        }
    }

    @Override
    public Map<Long, String> names(Collection<Long> hashes) {
        Set<String> fields = new HashSet<>();
        hashes.forEach(h -> fields.add(Long.toHexString(h)));
        long hour = clock.millis() / HOUR_MS;
        Map<Long, String> out = new HashMap<>(AccountNames.of(recent).names(hashes)); // this replica's, not yet published
        try {
            for (long h : List.of(hour - 1, hour)) {
                Map<String, String> found = hour(h).getAllAsync(fields).toCompletableFuture()
                        .get(timeoutMillis, TimeUnit.MILLISECONDS);
                found.forEach((hex, id) -> out.put(Long.parseUnsignedLong(hex, 16), id));
            }
        } catch (Exception e) {
            log.warn("account names not read from Redis ({}): listing this replica's own", e.getMessage());
            return AccountNames.of(recent).names(hashes);
        }
        return out;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
