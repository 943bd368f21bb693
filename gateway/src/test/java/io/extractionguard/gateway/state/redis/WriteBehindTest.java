package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RBatch;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;


import io.extractionguard.gateway.support.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The shared write-behind on real Redis: what a graceful shutdown's drain waits for. */
class WriteBehindTest {

    /** A Lua script that keeps Redis busy for ARGV[1] ms, then sets KEYS[1]: a write that is slow to complete. */
    private static final String SLOW_SET = """
            local t = redis.call('TIME')
            local start = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            while true do
              t = redis.call('TIME')
              if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - start >= tonumber(ARGV[1]) then break end
            end
            redis.call('SET', KEYS[1], ARGV[2])
            return 1
            """;

    private final String url = TestRedis.shared();
    private final String prefix = TestRedis.uniquePrefix("writebehind");
    private RedissonClient client;
    private ScheduledExecutorService scheduler;
    private WriteBehind writer;

    @BeforeEach
    void start() {
        client = TestRedis.client(url);
        scheduler = Executors.newSingleThreadScheduledExecutor();
        RedisAvailability availability = new RedisAvailability(client, new RedisKeys(prefix), Clock.systemUTC(),
                Duration.ofMillis(500), new SimpleMeterRegistry());
        RedisStateProperties.Sync sync = new RedisStateProperties.Sync(Duration.ofMinutes(1), 1000, Duration.ofSeconds(1),
                Duration.ofMinutes(2), Duration.ofMinutes(5), 8, 1000, Duration.ofMillis(500), Duration.ofMinutes(5),
                Duration.ofSeconds(5), true);
        writer = new WriteBehind(client, availability, scheduler, sync, Duration.ofSeconds(5), new SimpleMeterRegistry());
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        TestRedis.deleteKeys(url, prefix);
        client.shutdown();
    }

    /** Sets {@code key} to {@code value} after {@code millis} of server time; {@code then} runs after the write. */
    private WriteBehind.Task slowSet(String key, String value, int millis, Runnable then) {
        return new WriteBehind.Task() {
            @Override
            public CompletableFuture<?> addTo(RBatch batch) {
                return batch.getScript(StringCodec.INSTANCE)
                        .evalAsync(RScript.Mode.READ_WRITE, SLOW_SET, RScript.ReturnType.LONG, List.of(key),
                                Integer.toString(millis), value)
                        .toCompletableFuture().thenRun(then);
            }

            @Override
            public void failed(Throwable error) {
            }
        };
    }

    private String get(String key) {
        return client.<String>getBucket(key, StringCodec.INSTANCE).get();
    }

    @Test
    void drainWaitsForTheBatchAlreadyInFlightEvenWhenNothingIsQueued() {
        AtomicBoolean written = new AtomicBoolean();
        String key = prefix + ":slow";
        writer.enqueue("slow", slowSet(key, "v1", 400, () -> written.set(true)), true); // urgent: the scheduler sends it
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> writer.pending() == 0); // taken off the queue: in flight now
        assertThat(written).as("still in flight when the drain starts").isFalse();

        int left = writer.drain(Duration.ofSeconds(5));

        assertThat(left).isZero();
        assertThat(written).as("the drain returned only after the in-flight write completed").isTrue();
        assertThat(get(key)).isEqualTo("v1");
    }

    @Test
    void drainAlsoWritesWhatAnInFlightTaskQueuesAgainOnItsCompletion() {
        AtomicInteger completions = new AtomicInteger();
        String key = prefix + ":again";
        WriteBehind.Task[] second = new WriteBehind.Task[1];
        second[0] = slowSet(key, "second", 10, completions::incrementAndGet);
        // like a durable profile write forced while an earlier one was in flight: the first write's completion queues the rest
        writer.enqueue("acct", slowSet(key, "first", 400, () -> {
            completions.incrementAndGet();
            writer.enqueue("acct", second[0], true);
        }), true);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> writer.pending() == 0);

        int left = writer.drain(Duration.ofSeconds(5));

        assertThat(left).isZero();
        assertThat(completions).hasValue(2);
        assertThat(get(key)).isEqualTo("second");
    }
}
