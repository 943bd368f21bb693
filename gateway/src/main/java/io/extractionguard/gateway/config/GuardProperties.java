package io.extractionguard.gateway.config;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the guard that are not policy: where the policy lives, how identities are hashed
 * and which proxies are trusted, in-memory state sizing, decision logging, and the embedded demo
 * backend. Documented in README.md ("Configuration").
 *
 * @param policy      policy file location
 * @param identity    credential hashing and trusted proxies
 * @param state       in-memory state sizing
 * @param campaign    in-memory campaign-correlation state sizing and the correlation scheduler
 * @param decisionLog structured decision logging
 * @param audit       the tamper-evident audit trail
 * @param challenge   challenge steps (proof of work, verification hold)
 * @param admin       the operators' admin API on the management port
 * @param replicaId   this replica's name in audit records and logs; empty: the HOSTNAME environment variable
 * @param demoBackend the embedded demo model backend
 */
@ConfigurationProperties("guard")
public record GuardProperties(
        @DefaultValue Policy policy,
        @DefaultValue Identity identity,
        @DefaultValue State state,
        @DefaultValue Campaign campaign,
        @DefaultValue DecisionLog decisionLog,
        @DefaultValue Audit audit,
        @DefaultValue Challenge challenge,
        @DefaultValue Admin admin,
        @DefaultValue("") String replicaId,
        @DefaultValue DemoBackend demoBackend) {

    /**
     * @param path         policy file; empty means {@code config/policies/default.yaml} when it exists in the
     *                     working directory, else the default policy bundled in the application
     * @param pollInterval how often the file is re-read as a fallback to file-system events (0 disables reloading)
     */
    public record Policy(@DefaultValue("") String path, @DefaultValue("5s") Duration pollInterval) {
    }

    /**
     * @param credentialHashKey secret (≥ 16 bytes) for hashing API keys into account ids; all replicas
     *                          must share it. Empty: a random key per process (ids change on restart).
     * @param trustedProxies    networks whose identity headers (x-account-id, …) are believed
     */
    public record Identity(@DefaultValue("") String credentialHashKey,
                           @DefaultValue({"127.0.0.1/32", "::1/128"}) List<String> trustedProxies) {
    }

    /**
     * @param maxAccounts accounts kept in memory (least recently used are evicted beyond it)
     * @param idleExpiry  an account not seen for this long is forgotten (in Redis: the keys' idle expiry)
     * @param store       {@code memory} (embedded default) or {@code redis} (shared by all replicas,
     *                    settings under {@code guard.state.redis}, see docs/redis.md)
     */
    public record State(@DefaultValue("1000000") long maxAccounts, @DefaultValue("7d") Duration idleExpiry,
                        @DefaultValue("memory") Store store) {

        public enum Store { MEMORY, REDIS }
    }

    /**
     * @param maxAccounts        accounts whose campaign links are kept in memory
     * @param maxTemplateBuckets prompt-template buckets kept (each prompt touches 16)
     * @param maxValues          shared indicator values kept (payment fingerprints, networks, ...)
     * @param idleExpiry         campaign state not touched for this long is forgotten
     * @param correlationTick    how often the correlation thread checks whether a run is due (the
     *                           policy's {@code campaign.correlation-interval} sets how often one is)
     */
    public record Campaign(@DefaultValue("1000000") long maxAccounts, @DefaultValue("2000000") long maxTemplateBuckets,
                           @DefaultValue("1000000") long maxValues, @DefaultValue("3d") Duration idleExpiry,
                           @DefaultValue("1s") Duration correlationTick) {

        /** The bounds of the in-memory campaign state (each replica's, also under a shared store). */
        public io.extractionguard.engine.campaign.InMemoryCampaignStore.Settings storeSettings() {
            return new io.extractionguard.engine.campaign.InMemoryCampaignStore.Settings(maxAccounts, maxTemplateBuckets,
                    maxValues, idleExpiry);
        }
    }

    /**
     * @param enabled    write one JSON line per decision to the {@code extraction_guard.decision} logger
     * @param sampleRate share of ALLOW decisions logged (rejections and SHADOW are always logged)
     */
    public record DecisionLog(@DefaultValue("true") boolean enabled, @DefaultValue("1.0") double sampleRate) {
    }

    /**
     * @param enabled            write the audit trail
     * @param path               audit file (JSON lines, hash-chained); its directory is created
     * @param decisionSampleRate share of decisions recorded (operator actions and policy changes are always recorded)
     * @param queueCapacity      decisions waiting to be written; beyond it sampled decisions are dropped and counted
     */
    public record Audit(@DefaultValue("true") boolean enabled, @DefaultValue("audit/guard-audit.jsonl") String path,
                        @DefaultValue("0.01") double decisionSampleRate, @DefaultValue("10000") int queueCapacity) {
    }

    /**
     * @param hmacKey         secret (≥ 32 bytes) signing proof-of-work challenges; all replicas must share it.
     *                        Empty: a random key per process (challenges then only verify on the replica that issued them).
     * @param verificationUrl where a client held for verification is sent (shown in the error message); empty: "contact support"
     */
    public record Challenge(@DefaultValue("") String hmacKey, @DefaultValue("") String verificationUrl) {
    }

    /**
     * @param token bearer token of the admin API (from a Secret); empty: the admin API is disabled
     */
    public record Admin(@DefaultValue("") String token) {
    }

    /** This replica's name: {@code guard.replica-id}, else HOSTNAME, else "local". */
    public String replicaName() {
        if (!replicaId.isBlank()) {
            return replicaId;
        }
        String host = System.getenv("HOSTNAME");
        return host == null || host.isBlank() ? "local" : host;
    }

    /**
     * @param enabled          start the demo model backend in-process (the embedded default)
     * @param port             its port (the default route points at it)
     * @param outputTokens     tokens per answer (bounded by the request's max tokens)
     * @param firstByteDelay   simulated time to first byte
     * @param chunkInterval    delay between streamed chunks
     */
    public record DemoBackend(@DefaultValue("false") boolean enabled, @DefaultValue("18090") int port,
                              @DefaultValue("64") int outputTokens, @DefaultValue("0ms") Duration firstByteDelay,
                              @DefaultValue("0ms") Duration chunkInterval) {
    }
}
