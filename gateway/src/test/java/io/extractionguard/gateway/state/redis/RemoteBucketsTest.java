package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.remote.commands.AddTokensCommand;
import io.github.bucket4j.distributed.remote.commands.ConsumeAsMuchAsPossibleCommand;
import io.extractionguard.gateway.support.TestRedis;

/** The lease buckets' Redis commands, counted on an embedded Redis of the test's own. */
class RemoteBucketsTest {

    private static final BucketConfiguration PER_MINUTE_600 = BucketConfiguration.builder()
            .addLimit(Bandwidth.builder().capacity(600).refillGreedy(600, Duration.ofMinutes(1)).build())
            .build();

    private final RedisTestReplicas replicas = RedisTestReplicas.onOwnRedis("buckets");
    private final RedissonClient inspector = TestRedis.client(replicas.url);
    private final RemoteBuckets buckets = new RemoteBuckets(inspector, Clock.systemUTC(), replicas.properties());

    @AfterEach
    void cleanUp() {
        inspector.shutdown();
        replicas.close();
    }

    @Test
    void aLeaseFromAMissingBucketCreatesItWithOneReadAndOneWrite() throws Exception {
        String key = replicas.prefix + ":lease";
        Map<String, Long> before = calls();
        long leased = buckets.createAndRun(key, PER_MINUTE_600, new ConsumeAsMuchAsPossibleCommand(60))
                .get(5, TimeUnit.SECONDS);
        Map<String, Long> after = calls();

        assertThat(leased).isEqualTo(60);
        assertThat(delta(before, after, "get")).as("GET").isEqualTo(1);
        assertThat(delta(before, after, "set")).as("SET").isEqualTo(1);
        assertThat(delta(before, after, "evalsha") + delta(before, after, "eval")).as("scripts").isZero();
        assertThat(inspector.getBucket(key).isExists()).isTrue();
    }

    @Test
    void aLeaseFromAnExistingBucketTakesWhatIsLeftInIt() throws Exception {
        String key = replicas.prefix + ":twice";
        buckets.createAndRun(key, PER_MINUTE_600, new ConsumeAsMuchAsPossibleCommand(550)).get(5, TimeUnit.SECONDS);
        long second = buckets.createAndRun(key, PER_MINUTE_600, new ConsumeAsMuchAsPossibleCommand(100))
                .get(5, TimeUnit.SECONDS);
        assertThat(second).as("50 left plus a few seconds' refill at 10/s").isBetween(50L, 70L);
    }

    @Test
    void aLeaseFromABucketExpectedMissingIsOneSetNx() throws Exception {
        String key = replicas.prefix + ":expected";
        Map<String, Long> before = calls();
        long leased = buckets.createAndRun(key, PER_MINUTE_600, new ConsumeAsMuchAsPossibleCommand(60), true)
                .get(5, TimeUnit.SECONDS);
        Map<String, Long> after = calls();

        assertThat(leased).isEqualTo(60);
        assertThat(delta(before, after, "set")).as("SET").isEqualTo(1);
        assertThat(delta(before, after, "get")).as("GET").isZero();
        assertThat(inspector.getBucket(key).isExists()).isTrue();
    }

    @Test
    void aBucketWronglyExpectedMissingIsReadAndUsedNotReplacedByAFullOne() throws Exception {
        String key = replicas.prefix + ":there";
        buckets.createAndRun(key, PER_MINUTE_600, new ConsumeAsMuchAsPossibleCommand(550)).get(5, TimeUnit.SECONDS);
        long second = buckets.createAndRun(key, PER_MINUTE_600, new ConsumeAsMuchAsPossibleCommand(100), true)
                .get(5, TimeUnit.SECONDS);
        assertThat(second).as("what the existing bucket has left, not a fresh bucket's 100").isBetween(50L, 70L);
    }

    @Test
    void tokensGivenBackToAnExpiredBucketCostOneReadAndCreateNothing() throws Exception {
        String key = replicas.prefix + ":gone";
        Map<String, Long> before = calls();
        Object result = buckets.runIfPresent(key, new AddTokensCommand(60)).get(5, TimeUnit.SECONDS);
        Map<String, Long> after = calls();

        assertThat(result).isNull();
        assertThat(delta(before, after, "get")).as("GET").isEqualTo(1);
        assertThat(delta(before, after, "set")).as("SET").isZero();
        assertThat(inspector.getBucket(key).isExists()).isFalse();
    }

    /** Calls per command since the Redis started, from {@code INFO commandstats}. */
    private Map<String, Long> calls() {
        RedisNode node = inspector.getRedisNodes(RedisNodes.SINGLE).getInstance();
        Map<String, String> stats = node.info(RedisNode.InfoSection.COMMANDSTATS);
        Map<String, Long> calls = new java.util.HashMap<>();
        stats.forEach((k, v) -> calls.put(k.replace("cmdstat_", ""),
                Long.parseLong(v.replaceAll("^calls=(\\d+),.*$", "$1"))));
        return calls;
    }

    private static long delta(Map<String, Long> before, Map<String, Long> after, String command) {
        return after.getOrDefault(command, 0L) - before.getOrDefault(command, 0L);
    }
}
