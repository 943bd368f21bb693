package io.extractionguard.gateway.state.redis;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the shared state store ({@code guard.state.store=redis}). Documented in docs/redis.md
 * and README.md ("Shared state on Redis").
 *
 * @param topology         {@code single}, {@code sentinel} or {@code cluster}
 * @param address          single node: {@code redis://host:port} ({@code rediss://} for TLS)
 * @param nodes            sentinel: the sentinels' addresses; cluster: seed nodes
 * @param sentinelMaster   sentinel: the monitored master's name
 * @param username         ACL user (empty: default user)
 * @param password         password (empty: none); pass it through the environment or a mounted secret
 * @param database         database index (single node and sentinel only)
 * @param connectTimeout   TCP connect timeout
 * @param timeout          response timeout of one command or batch
 * @param keyPrefix        prefix of every key this gateway writes (see docs/redis.md for the scheme)
 * @param sync             write-behind and refresh of profiles
 * @param nearCache        the in-process cache in front of Redis
 * @param limits           distributed rate limits
 * @param campaign         campaign evidence partitioned in Redis by value, template bucket and account
 */
@ConfigurationProperties("guard.state.redis")
public record RedisStateProperties(
        @DefaultValue("single") Topology topology,
        @DefaultValue("redis://127.0.0.1:6379") String address,
        @DefaultValue List<String> nodes,
        @DefaultValue("") String sentinelMaster,
        @DefaultValue("") String username,
        @DefaultValue("") String password,
        @DefaultValue("0") int database,
        @DefaultValue("2s") Duration connectTimeout,
        @DefaultValue("1s") Duration timeout,
        @DefaultValue("eg") String keyPrefix,
        @DefaultValue Sync sync,
        @DefaultValue NearCache nearCache,
        @DefaultValue Limits limits,
        @DefaultValue Campaign campaign) {

    public enum Topology { SINGLE, SENTINEL, CLUSTER }

    /**
     * @param flushInterval   how often buffered changes are written, in one pipelined batch
     * @param batchSize       most accounts written per batch
     * @param streamInterval  how often a replica ships the profile changes of all its accounts, as one entry
     *                        of the profile stream, and reads the other replicas' entries
     * @param durableInterval an account changed on this replica has its changes written to its hash (for
     *                        cold loads and restarts) at most this often, and at shutdown
     * @param streamRetention profile stream entries are kept this long (trimmed by {@code MINID ~}); at least
     *                        twice {@code durable-interval}: a cold load reads the hash plus the retained changes
     * @param durableBuckets  hashes the durable profile records are spread over: a replica writes each bucket
     *                        holding accounts it changed once per {@code durable-interval} (one script call per
     *                        64 accounts); more buckets spread Cluster shards and memory, fewer cost fewer commands
     * @param bufferAccounts  most accounts with unwritten changes (the outage buffer); beyond it changes stay
     *                        local only and are counted in {@code guard.state.buffer.overflow}
     * @param heartbeat       how often Redis is probed when nothing else talked to it
     * @param verdictResync   full re-read of all verdicts this often (heals lost pub/sub messages)
     * @param shutdownFlush   how long shutdown waits for buffered changes to be written
     * @param legacyProfiles  also read the per-account profile hashes of builds before 2026-12-08 for accounts
     *                        no bucket holds; turn off once {@code guard.state.idle-expiry} has passed since the
     *                        last such build stopped (each costs one HGETALL per new account and replica)
     */
    public record Sync(@DefaultValue("200ms") Duration flushInterval,
                       @DefaultValue("1000") int batchSize,
                       @DefaultValue("1s") Duration streamInterval,
                       @DefaultValue("120s") Duration durableInterval,
                       @DefaultValue("5m") Duration streamRetention,
                       @DefaultValue("32") int durableBuckets,
                       @DefaultValue("100000") int bufferAccounts,
                       @DefaultValue("500ms") Duration heartbeat,
                       @DefaultValue("5m") Duration verdictResync,
                       @DefaultValue("5s") Duration shutdownFlush,
                       @DefaultValue("true") boolean legacyProfiles) {
    }

    /**
     * @param maxAccounts profiles kept in process memory
     * @param idleExpiry  a profile not used for this long is dropped locally (it stays in Redis)
     */
    public record NearCache(@DefaultValue("200000") long maxAccounts, @DefaultValue("10m") Duration idleExpiry) {
    }

    /**
     * @param leaseFraction      share of the tightest window's capacity a replica takes from Redis at once
     *                           near the limit and on first sight of an account; also the most it admits
     *                           ahead of Redis on first sight
     * @param minLeaseRequests   smallest lease, in requests (so a small burst of a low tier is not refused
     *                           while the next lease is on its way)
     * @param largeLeaseFraction share taken at once while the shared bucket is more than half full (an
     *                           account far from its limit): fewer lease calls per request; never smaller
     *                           than the small lease
     * @param idleReturn         unused leased tokens go back to Redis after this long without requests
     */
    public record Limits(@DefaultValue("0.01") double leaseFraction, @DefaultValue("2") int minLeaseRequests,
                         @DefaultValue("0.1") double largeLeaseFraction, @DefaultValue("60s") Duration idleReturn) {
    }

    /**
     * @param flushInterval       how often the campaign keys this replica touched are merged into Redis and their
     *                            fleet-wide state read back (one pipelined batch)
     * @param bufferRecords       most touched keys waiting for a batch (the outage buffer); beyond it evidence stays
     *                            local only and is counted in {@code guard.campaign.sync.dropped}
     * @param accountRetention    how long an account's recent records stay in Redis after its last request (other
     *                            replicas that serve it within this time take them over)
     * @param accountEntries      entries (one per replica and batch) kept per account
     * @param accountBatchRecords most records of one account per batch (a flooding account's extra requests
     *                            stay local)
     * @param valueRefresh        a touched indicator value with nothing to write is read back at most this often
     *                            (sooner when another replica announces a rise of suspicion in it)
     */
    public record Campaign(@DefaultValue("1s") Duration flushInterval,
                           @DefaultValue("200000") int bufferRecords,
                           @DefaultValue("1h") Duration accountRetention,
                           @DefaultValue("16") int accountEntries,
                           @DefaultValue("64") int accountBatchRecords,
                           @DefaultValue("10m") Duration valueRefresh) {

        @ConstructorBinding
        public Campaign {
        }

        public Campaign(Duration flushInterval, int bufferRecords, Duration accountRetention, int accountEntries,
                        int accountBatchRecords) {
            this(flushInterval, bufferRecords, accountRetention, accountEntries, accountBatchRecords, Duration.ofMinutes(10));
        }
    }

    /** Checks values whose errors would otherwise surface late or obscurely. */
    public RedisStateProperties {
        if (keyPrefix.isBlank() || keyPrefix.contains("{") || keyPrefix.contains("}")) {
            throw new IllegalArgumentException("guard.state.redis.key-prefix must be non-empty and free of '{' and '}', was '"
                    + keyPrefix + "'");
        }
        if (topology == Topology.SENTINEL && (sentinelMaster.isBlank() || nodes.isEmpty())) {
            throw new IllegalArgumentException("guard.state.redis.topology=sentinel needs sentinel-master and nodes "
                    + "(the sentinels' addresses)");
        }
        if (topology == Topology.CLUSTER && nodes.isEmpty()) {
            throw new IllegalArgumentException("guard.state.redis.topology=cluster needs nodes (seed node addresses)");
        }
        if (sync.durableBuckets() < 1 || sync.durableBuckets() > 16384) {
            throw new IllegalArgumentException("guard.state.redis.sync.durable-buckets must be between 1 and 16384, was "
                    + sync.durableBuckets());
        }
        if (sync.streamRetention().compareTo(sync.durableInterval().multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("guard.state.redis.sync.stream-retention must be at least twice "
                    + "durable-interval, was " + sync.streamRetention() + " for " + sync.durableInterval());
        }
        if (limits.minLeaseRequests() < 1) {
            throw new IllegalArgumentException("guard.state.redis.limits.min-lease-requests must be at least 1, was "
                    + limits.minLeaseRequests());
        }
        if (campaign.bufferRecords() < 1 || campaign.accountEntries() < 1 || campaign.accountBatchRecords() < 1) {
            throw new IllegalArgumentException("guard.state.redis.campaign.buffer-records, account-entries and "
                    + "account-batch-records must be at least 1");
        }
        if (limits.largeLeaseFraction() <= 0 || limits.largeLeaseFraction() > 0.5) {
            throw new IllegalArgumentException("guard.state.redis.limits.large-lease-fraction must be in (0, 0.5], was "
                    + limits.largeLeaseFraction());
        }
        if (limits.leaseFraction() <= 0 || limits.leaseFraction() > 0.5) {
            throw new IllegalArgumentException("guard.state.redis.limits.lease-fraction must be in (0, 0.5], was "
                    + limits.leaseFraction());
        }
    }
}
