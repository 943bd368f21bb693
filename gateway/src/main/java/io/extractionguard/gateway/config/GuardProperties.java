package io.extractionguard.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the guard that are not policy: where the policy lives, how identities are hashed
 * and which proxies are trusted, in-memory state sizing, decision logging. Documented in README.md
 * ("Configuration").
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
        @DefaultValue("") String replicaId) {

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

        /** Never the key itself (records print their components). */
        @Override
        public String toString() {
            return "Identity[credentialHashKey=" + redacted(credentialHashKey) + ", trustedProxies=" + trustedProxies + "]";
        }
    }

    private static String redacted(String secret) {
        return secret.isBlank() ? "" : "<redacted>";
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
        public io.extractionguard.engine.memory.InMemoryCampaignStore.Settings storeSettings() {
            return new io.extractionguard.engine.memory.InMemoryCampaignStore.Settings(maxAccounts, maxTemplateBuckets,
                    maxValues, idleExpiry);
        }
    }

    /**
     * @param enabled    write one JSON line per decision to the {@code extraction_guard.decision} logger
     * @param sampleRate share of ALLOW decisions logged (rejections and SHADOW are always logged); the
     *                   {@code guard.decisions} meters count every decision whatever the rate
     */
    public record DecisionLog(@DefaultValue("true") boolean enabled, @DefaultValue("0.01") double sampleRate) {
    }

    /**
     * @param enabled            write the audit trail
     * @param path               audit file (JSON lines, keyed hash chain); its directory is created
     * @param decisionSampleRate share of decisions recorded (operator actions and policy changes are always recorded)
     * @param queueCapacity      decisions waiting to be written; beyond it sampled decisions are dropped and counted
     * @param key                secret (≥ 32 bytes, from a Secret) keying the chain and signing its checkpoints; all
     *                           replicas may share it. Empty: a key kept in {@code <path>.key}, created if missing
     *                           (development: whoever can write the file can then rewrite the trail)
     * @param checkpointInterval how often a signed checkpoint of the chain's head is published (Redis and the log),
     *                           when the head moved; operator and policy records are checkpointed at once
     * @param logRecords         also write every record to the {@code extraction_guard.audit} logger (stdout), for a
     *                           log pipeline that ships it off the pod
     */
    public record Audit(@DefaultValue("true") boolean enabled, @DefaultValue("audit/guard-audit.jsonl") String path,
                        @DefaultValue("0.01") double decisionSampleRate, @DefaultValue("10000") int queueCapacity,
                        @DefaultValue("") String key, @DefaultValue("10s") Duration checkpointInterval,
                        @DefaultValue("false") boolean logRecords) {

        /** Never the key itself. */
        @Override
        public String toString() {
            return "Audit[enabled=" + enabled + ", path=" + path + ", decisionSampleRate=" + decisionSampleRate
                    + ", queueCapacity=" + queueCapacity + ", key=" + redacted(key) + ", checkpointInterval="
                    + checkpointInterval + ", logRecords=" + logRecords + "]";
        }
    }

    /**
     * @param hmacKey         secret (≥ 32 bytes) signing proof-of-work challenges; all replicas must share it.
     *                        Empty: a random key per process (challenges then only verify on the replica that issued them).
     * @param verificationUrl where a client held for verification is sent (shown in the error message); empty: "contact support"
     */
    public record Challenge(@DefaultValue("") String hmacKey, @DefaultValue("") String verificationUrl) {

        /** Never the key itself. */
        @Override
        public String toString() {
            return "Challenge[hmacKey=" + redacted(hmacKey) + ", verificationUrl=" + verificationUrl + "]";
        }
    }

    /**
     * Who may call the admin API (docs/operations.md, "Operators"). The API is enabled when any of the
     * three is configured.
     *
     * @param token     the shared bearer token of earlier versions (from a Secret): one principal,
     *                  {@code admin-token}, with every role. Kept for migration; prefer {@code operators}.
     * @param operators per-operator tokens, held as SHA-256 hashes only
     * @param oidc      OIDC access tokens (JWTs) validated with the issuer's published keys
     */
    public record Admin(@DefaultValue("") String token, @DefaultValue List<OperatorToken> operators, @DefaultValue Oidc oidc) {

        /** Whether any way of authenticating operators is configured. */
        public boolean enabled() {
            return !token.isBlank() || !operators.isEmpty() || oidc.enabled();
        }

        /** Never the shared token itself (records print their components). */
        @Override
        public String toString() {
            return "Admin[token=" + redacted(token) + ", operators=" + operators + ", oidc=" + oidc + "]";
        }

        /**
         * @param name        the principal named in audit records and verdicts ({@code [A-Za-z0-9._@-]}, unique)
         * @param tokenSha256 SHA-256 (64 hex digits) of the operator's token ({@code ./guard cli operator-token})
         * @param roles       {@code read}, {@code override}, {@code policy}, {@code intel}
         */
        public record OperatorToken(String name, String tokenSha256, @DefaultValue List<String> roles) {
        }

        /**
         * @param issuer         the issuer ({@code iss}) tokens must name exactly; empty: OIDC off
         * @param jwksUri        where the issuer publishes its keys; empty: from the issuer's
         *                       {@code /.well-known/openid-configuration}
         * @param audience       the audience ({@code aud}) tokens must include (required with an issuer)
         * @param principalClaim the claim naming the operator in audit records
         * @param rolesClaim     the claim holding roles or groups (a dotted path such as {@code realm_access.roles};
         *                       a list, or a space-separated string)
         * @param roleMapping    claim value to roles (e.g. {@code "[guard-oncall]": [read, override]}); empty: claim
         *                       values that are role names are the roles
         * @param clockSkew      tolerance on {@code exp}/{@code nbf}
         */
        public record Oidc(@DefaultValue("") String issuer, @DefaultValue("") String jwksUri,
                           @DefaultValue("") String audience, @DefaultValue("sub") String principalClaim,
                           @DefaultValue("roles") String rolesClaim, @DefaultValue Map<String, List<String>> roleMapping,
                           @DefaultValue("60s") Duration clockSkew) {

            public boolean enabled() {
                return !issuer.isBlank();
            }
        }
    }

    /** This replica's name: {@code guard.replica-id}, else HOSTNAME, else "local". */
    public String replicaName() {
        if (!replicaId.isBlank()) {
            return replicaId;
        }
        String host = System.getenv("HOSTNAME");
        return host == null || host.isBlank() ? "local" : host;
    }
}
