package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;

import io.extractionguard.engine.state.Verdict;
import io.extractionguard.engine.state.VerdictCodec;
import io.extractionguard.gateway.support.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Verdict re-reads against the change messages, on real Redis: a full re-read whose snapshot was taken
 * before a change message arrived must not bring the older state back.
 */
class RedisVerdictResyncTest {

    private static final CompositeCodec HASH = new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE);

    private final String url = TestRedis.shared();
    private final String prefix = TestRedis.uniquePrefix("verdict-resync");
    private final RedisKeys keys = new RedisKeys(prefix);
    private final List<RedissonClient> clients = new java.util.ArrayList<>();
    private final List<ScheduledExecutorService> schedulers = new java.util.ArrayList<>();

    @AfterEach
    void stop() {
        schedulers.forEach(ScheduledExecutorService::shutdownNow);
        TestRedis.deleteKeys(url, prefix);
        clients.forEach(RedissonClient::shutdown);
    }

    private RedisVerdicts replica(String id) throws Exception {
        RedissonClient client = TestRedis.client(url);
        clients.add(client);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        schedulers.add(scheduler);
        RedisAvailability availability = new RedisAvailability(client, keys, Clock.systemUTC(), Duration.ofMillis(500),
                new SimpleMeterRegistry());
        RedisStateProperties.Sync sync = new RedisStateProperties.Sync(Duration.ofMillis(50), 1000, Duration.ofSeconds(1),
                Duration.ofMinutes(2), Duration.ofMinutes(5), 8, 1000, Duration.ofMillis(500), Duration.ofMinutes(5),
                Duration.ofSeconds(5), true);
        WriteBehind writer = new WriteBehind(client, availability, scheduler, sync, Duration.ofSeconds(5), new SimpleMeterRegistry());
        RedisVerdicts verdicts = new RedisVerdicts(client, keys, writer, availability, Clock.systemUTC(), id,
                new SimpleMeterRegistry());
        verdicts.subscribe();
        verdicts.resync().get(5, TimeUnit.SECONDS);
        return verdicts;
    }

    private static Verdict block(String reason) {
        return new Verdict(Verdict.Kind.BLOCK, Instant.now().plusSeconds(600).truncatedTo(ChronoUnit.MILLIS),
                "operator/test", List.of("cot-elicitation"), reason);
    }

    private Map<String, byte[]> snapshot() {
        return new HashMap<>(clients.get(0).<String, byte[]>getMap(keys.verdicts(), HASH).readAllMap());
    }

    @Test
    void aReReadTakenBeforeAClearArrivedDoesNotBringTheVerdictBack() throws Exception {
        RedisVerdicts a = replica("replica-a");
        RedisVerdicts b = replica("replica-b");
        String account = "acct-cleared";
        a.put(account, block("first"));
        await().atMost(Duration.ofSeconds(5)).until(() -> b.get(account, Instant.now()).isPresent());

        long since = b.messagesReceived(); // B sends its re-read now ...
        Map<String, byte[]> older = snapshot(); // ... and Redis answers with the verdict still set
        a.clear(account, Instant.now()); // then the clear is announced and B receives it
        await().atMost(Duration.ofSeconds(5)).until(() -> b.get(account, Instant.now()).isEmpty());

        b.applySnapshot(older, since); // the older snapshot is applied after the newer message
        assertThat(b.get(account, Instant.now())).as("the clear announced after the read stays").isEmpty();
    }

    @Test
    void aReReadTakenBeforeANewVerdictArrivedDoesNotRemoveIt() throws Exception {
        RedisVerdicts a = replica("replica-a");
        RedisVerdicts b = replica("replica-b");
        String account = "acct-new";
        long since = b.messagesReceived();
        Map<String, byte[]> older = snapshot(); // no verdict yet
        a.put(account, block("new"));
        await().atMost(Duration.ofSeconds(5)).until(() -> b.get(account, Instant.now()).isPresent());

        b.applySnapshot(older, since);
        assertThat(b.get(account, Instant.now())).as("the verdict announced after the read stays").isPresent();
    }

    @Test
    void aReReadStillHealsWhatNoMessageAnnounced() throws Exception {
        RedisVerdicts b = replica("replica-b");
        String written = "acct-unannounced";
        String stale = "acct-stale";
        b.put(stale, block("stale"));
        await().atMost(Duration.ofSeconds(5)).until(() -> snapshot().containsKey(stale));
        // changed in Redis behind B's back (as if announced while B was not listening)
        clients.get(0).<String, byte[]>getMap(keys.verdicts(), HASH).put(written, VerdictCodec.encode(block("direct")));
        clients.get(0).<String, byte[]>getMap(keys.verdicts(), HASH).remove(stale);

        b.resync().get(5, TimeUnit.SECONDS);

        assertThat(b.get(written, Instant.now())).as("a verdict missed while not listening is read").isPresent();
        assertThat(b.get(stale, Instant.now())).as("a clear missed while not listening is read").isEmpty();
    }
}
