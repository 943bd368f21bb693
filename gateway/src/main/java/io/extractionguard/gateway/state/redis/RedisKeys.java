package io.extractionguard.gateway.state.redis;

import io.extractionguard.engine.limits.TierLimits;

/**
 * The key scheme. Every key starts with the configured prefix; every per-account key carries the
 * account id as its hash tag, so in Redis Cluster one account's keys share a slot and scripts may
 * touch several of them:
 *
 * <pre>
 * {prefix}:{pd:B}:GEN                      hash: account → durable profile record (bucket B of durable-buckets, generation GEN)
 * {prefix}:{ACCOUNT}:p                      hash of builds before 2026-12-08, read only: snapshot "s", records "d:…", marks "hw:…"
 * {prefix}:{ACCOUNT}:rl:{rpm}:{rpd}         Bucket4j bucket of the account's tier limits
 * {prefix}:verdicts                         hash: account → verdict (one key: read whole at start-up)
 * {prefix}:verdict-events                   pub/sub channel of verdict changes
 * {prefix}:profile-events                   stream of profile change batches (field "b": replica, batch seq, per-account deltas)
 * {prefix}:{cv:VALUE}                       hash: an indicator value's account sample (account hex → "suspicion,at")
 * {prefix}:{ct:BUCKET}                      hash: a template bucket (representative, counters, account sample)
 * {prefix}:{ca:ACCOUNT}                     stream: an account's recent campaign records from every replica
 * {prefix}:campaign-nudges                  pub/sub channel: "v" VALUE (a suspicion rose in its sample), "a" ACCOUNT (served by another replica)
 * {prefix}:{campaign-accounts}:DAY          HyperLogLog: accounts active that day (the population rarity is measured against)
 * {prefix}:audit-checkpoints                stream of signed audit checkpoints (field "c": JSON line)
 * {prefix}:audit-heads                      hash: replica → its newest audit checkpoint
 * </pre>
 *
 * Campaign keys are their own hash tag (VALUE, BUCKET, ACCOUNT as 16 hex digits of the 64-bit hash),
 * so Cluster spreads them over every shard. Further per-account state takes another suffix after the
 * hash tag; state that is not per account takes a plain name after the prefix.
 */
public final class RedisKeys {

    private final String prefix;

    public RedisKeys(String prefix) {
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    /** A per-account key: {@code prefix:{account}:suffix}. */
    public String account(String accountId, String suffix) {
        return prefix + ":{" + accountId + "}:" + suffix;
    }

    /** The per-account profile hash of builds before 2026-12-08 (read for accounts the buckets do not hold). */
    public String profile(String accountId) {
        return account(accountId, "p");
    }

    /** Durable profile records of the accounts of bucket {@code bucket}, written in generation {@code generation}. */
    public String profileBucket(int bucket, long generation) {
        return prefix + ":{pd:" + bucket + "}:" + generation;
    }

    /** One bucket per distinct tier limits: a tier change starts a fresh bucket under the new limits. */
    public String bucket(String accountId, TierLimits limits) {
        return account(accountId, "rl:" + limits.requestsPerMinute() + ":" + limits.requestsPerDay());
    }

    /** A key that is not per account: {@code prefix:name}. */
    public String global(String name) {
        return prefix + ":" + name;
    }

    public String verdicts() {
        return global("verdicts");
    }

    public String verdictChannel() {
        return global("verdict-events");
    }

    public String profileEvents() {
        return global("profile-events");
    }

    /** An indicator value's account sample. */
    public String campaignValue(long valueKey) {
        return prefix + ":{cv:" + hex(valueKey) + "}";
    }

    /** A template bucket. */
    public String campaignBucket(long bucketKey) {
        return prefix + ":{ct:" + hex(bucketKey) + "}";
    }

    /** Pub/sub: a value whose sample gained suspicion, an account another replica started serving (CampaignScripts). */
    public String campaignNudges() {
        return global("campaign-nudges");
    }

    /** An account's recent campaign records (by account hash: campaign state never holds an account id). */
    public String campaignAccount(long accountHash) {
        return prefix + ":{ca:" + hex(accountHash) + "}";
    }

    /** The accounts active on day {@code epochDay} (one slot for all days, so they can be counted together). */
    public String campaignAccounts(long epochDay) {
        return prefix + ":{campaign-accounts}:" + epochDay;
    }

    private static String hex(long v) {
        String h = Long.toHexString(v);
        return "0".repeat(16 - h.length()) + h;
    }

    public String auditCheckpoints() {
        return global("audit-checkpoints");
    }

    public String auditHeads() {
        return global("audit-heads");
    }

    /** The pattern matching every key of this prefix (for operators' and tests' clean-up). */
    public String allKeysPattern() {
        return prefix + ":*";
    }
}
