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
 * @param demoBackend the embedded demo model backend
 */
@ConfigurationProperties("guard")
public record GuardProperties(
        @DefaultValue Policy policy,
        @DefaultValue Identity identity,
        @DefaultValue State state,
        @DefaultValue Campaign campaign,
        @DefaultValue DecisionLog decisionLog,
        @DefaultValue DemoBackend demoBackend) {

    /**
     * @param path policy file; empty means {@code config/policies/default.yaml} when it exists in the
     *             working directory, else the default policy bundled in the application
     */
    public record Policy(@DefaultValue("") String path) {
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
     * @param idleExpiry  an account not seen for this long is forgotten
     */
    public record State(@DefaultValue("1000000") long maxAccounts, @DefaultValue("7d") Duration idleExpiry) {
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
    }

    /**
     * @param enabled    write one JSON line per decision to the {@code extraction_guard.decision} logger
     * @param sampleRate share of ALLOW decisions logged (rejections and SHADOW are always logged)
     */
    public record DecisionLog(@DefaultValue("true") boolean enabled, @DefaultValue("1.0") double sampleRate) {
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
